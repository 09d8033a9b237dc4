/**
 * Runs the selected scenarios against each backend, one backend after the other (never both at
 * once, so neither steals the other's CPU), and assembles report.json's object.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { TandemConfig } from '../../config';
import { packageRoot } from '../../packageRoot';
import type { BackendId } from '../../protocol';
import { readHeldoutFiles, type HeldoutFile } from '../heldout';
import { runCacheReplay } from './cacheReplay';
import { runCost } from './cost';
import { runEngines } from './engines';
import type { EnginesResult } from './enginesTypes';
import { readFunctionProblems } from './functionTasks';
import { machineInfo, softwareInfo } from './environment';
import { runLatency } from './latency';
import { heapUsedMb, rssMb, runMemory } from './memory';
import { METRICS } from './metricCatalog';
import { plannedRequests, type Plans } from './plans';
import type { Progress } from './progress';
import { openLspSession, type LspSession } from './lspSession';
import { heldoutCorpus, PromptCutter } from './prompts';
import { runQuality } from './quality';
import {
  NOT_BUILT,
  REPORT_SCHEMA,
  REPORT_SCHEMA_VERSION,
  type BackendReport,
  type BenchConfiguration,
  type BenchReport,
  type ScenarioName,
} from './reportTypes';
import { sampleRequest, type RequestSample } from './sampler';
import type { Slo } from './stats';
import { runStress } from './stress';
import { summaryRows } from './summary';
import { openTarget, type BenchTarget } from './targets';
import { runThroughput } from './throughput';

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  backends: BackendId[];
  plans: Plans;
  slo: Slo;
  seed: number;
  acceptanceRate: number;
  config: TandemConfig;
  apiKey?: string;
  fixturesDir?: string;
  progress?: Progress;
  signal?: AbortSignal;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  // Every request in flight listens to the run's signal: an open-loop level or a stress burst has
  // many more than Node's default 10 listeners (a leak warning otherwise), so they listen to a
  // signal of the run's own that follows the caller's.
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  if (options.signal?.aborted) run.abort(options.signal.reason);
  options.signal?.addEventListener('abort', () => run.abort(options.signal?.reason), { once: true });
  const signal = run.signal;
  const corpora = heldoutCorpus(options.fixturesDir);
  const files = readHeldoutFiles(options.fixturesDir ?? join(packageRoot(), 'test', 'fixtures', 'heldout'));
  const backends: BackendReport[] = [];
  for (const id of options.backends) backends.push(await runBackend(id, options, { corpora, files }, signal));
  const engines = options.scenarios.includes('engines') ? await runEnginesScenario(options, signal) : { result: null, error: null };
  options.progress?.done();
  const notDone = [
    ...NOT_BUILT.map((name) => `${name}: scenario not built yet (issue 14)`),
    'memory: KV-cache bytes vs context length not measured',
    'throughput: batch sizes (T6, T7) not applicable to a single-stream local worker; not measured',
    ...(engines.error ? [`engines: ${engines.error}`] : []),
    ...(engines.result?.unavailable ?? []).map((u) => `engines: ${u.engine} not measured: ${u.reason}`),
  ];
  return {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    runId: randomUUID(),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: performance.now() - started,
    machine: machineInfo(),
    software: softwareInfo(),
    configuration: configurationOf(options),
    metrics: METRICS,
    summary: summaryRows(backends, engines.result),
    backends,
    engines: engines.result,
    notDone,
  };
}

/** The engines scenario runs once, on the local model, after every backend is closed (its own
 * onnxruntime sessions must not be alive while a worker thread runs one: enginesBareLoop.ts). */
async function runEnginesScenario(
  options: BenchOptions,
  signal: AbortSignal,
): Promise<{ result: EnginesResult | null; error: string | null }> {
  options.progress?.phase('engines', 0);
  try {
    const fixturesDir = options.fixturesDir ?? join(packageRoot(), 'test', 'fixtures', 'heldout');
    const result = await runEngines({
      plan: options.plans.engines,
      local: options.config.local,
      fixturesDir,
      signal,
      onStep: (step) => options.progress?.phase(step, 0),
    });
    return { result, error: null };
  } catch (error) {
    if (signal.aborted) throw error;
    return { result: null, error: messageOf(error) };
  }
}

interface Heldout {
  /** Prompt text (whole files run together) and the files themselves (typing, quality). */
  corpora: string[];
  files: HeldoutFile[];
}

async function runBackend(id: BackendId, options: BenchOptions, heldout: Heldout, signal: AbortSignal): Promise<BackendReport> {
  const { corpora, files } = heldout;
  const report: BackendReport = {
    id,
    model: null,
    errors: [],
    latency: null,
    throughput: null,
    memory: null,
    stress: null,
    cache: null,
    quality: null,
    cost: null,
  };
  const has = (name: ScenarioName) => options.scenarios.includes(name);
  const rssBeforeLoadMb = rssMb();
  let target: BenchTarget;
  try {
    target = await openTarget(
      id,
      { local: options.config.local, offload: options.config.offload, ...(options.apiKey ? { apiKey: options.apiKey } : {}) },
      signal,
    );
  } catch (error) {
    report.errors.push(`open: ${messageOf(error)}`);
    return report;
  }
  const load = { rssBeforeLoadMb, rssAfterLoadMb: rssMb(), heapUsedAfterLoadMb: heapUsedMb() };
  report.model = target.model;
  const prompts = new PromptCutter(target, corpora);
  const ledger: RequestSample[] = [];
  const planned = plannedRequests(options.plans, files.length, has('quality') ? readFunctionProblems().length : 0);
  const progress = options.progress;
  const onRequest = (sample: RequestSample) => {
    ledger.push(sample);
    progress?.tick();
  };
  const attempt = async (name: ScenarioName, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      if (signal.aborted) throw error;
      report.errors.push(`${name}: ${messageOf(error)}`);
    }
  };
  try {
    if (has('latency')) {
      progress?.phase(`${id} latency`, planned.latency);
      await attempt('latency', async () => {
        report.latency = await runLatency(target, prompts, options.plans.latency, signal, onRequest);
      });
    }
    if (has('throughput')) {
      progress?.phase(`${id} throughput`, planned.throughput);
      await attempt('throughput', async () => {
        report.throughput = await runThroughput(
          target,
          prompts,
          { ...options.plans.throughput, slo: options.slo, seed: options.seed },
          signal,
          onRequest,
        );
      });
    }
    if (has('memory')) {
      progress?.phase(`${id} memory`, planned.memory);
      await attempt('memory', async () => {
        report.memory = await runMemory(target, prompts, load, options.plans.memory, signal, onRequest);
      });
    }
    if (has('stress')) {
      progress?.phase(`${id} stress`, planned.stress);
      await attempt('stress', async () => {
        // Loads are fractions of the saturation throughput: of requests shaped as the throughput
        // scenario's when its saturation point is the one used.
        const t = report.throughput;
        const plan = t?.saturation
          ? { ...options.plans.stress, promptTokens: t.promptTokens, outputTokens: t.outputTokens }
          : options.plans.stress;
        report.stress = await runStress(target, prompts, plan, report.throughput?.saturation ?? null, options.seed, signal, onRequest);
      });
    }
    if (has('cache') || has('quality'))
      await withLspSession(id, options, signal, report, async (session) => {
        if (has('cache')) {
          progress?.phase(`${id} cache`, planned.cache);
          await attempt('cache', async () => {
            report.cache = await runCacheReplay(session, files, { ...options.plans.cache, seed: options.seed }, signal, () =>
              progress?.tick(),
            );
          });
        }
        if (has('quality')) {
          progress?.phase(`${id} quality`, planned.quality);
          await attempt('quality', async () => {
            report.quality = await runQuality(target, session, files, { ...options.plans.quality, seed: options.seed }, signal, () =>
              progress?.tick(),
            );
          });
        }
      });
    if (has('cost')) {
      await attempt('cost', async () => {
        if (ledger.length === 0) await pricingRequests(target, prompts, options.plans, signal, onRequest);
        report.cost = runCost(id, target.model.name, ledger, options.config, { acceptanceRate: options.acceptanceRate });
      });
    }
  } finally {
    await target.dispose();
  }
  return report;
}

/** The language server for the cache and quality scenarios; a failure to start fails both. */
async function withLspSession(
  id: BackendId,
  options: BenchOptions,
  signal: AbortSignal,
  report: BackendReport,
  run: (session: LspSession) => Promise<void>,
): Promise<void> {
  let session: LspSession;
  try {
    session = await openLspSession(id, options.config, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    for (const name of ['cache', 'quality'] as const)
      if (options.scenarios.includes(name)) report.errors.push(`${name}: language server: ${messageOf(error)}`);
    return;
  }
  try {
    await run(session);
  } finally {
    await session.close();
  }
}

/** Cost alone: a few requests of the memory plan's shape to price. */
async function pricingRequests(
  target: BenchTarget,
  prompts: PromptCutter,
  plans: Plans,
  signal: AbortSignal,
  onRequest: (s: RequestSample) => void,
): Promise<void> {
  const count = Math.min(plans.memory.requests, 10);
  for (let i = 0; i < count; i++) {
    const prompt = await prompts.prompt(plans.memory.promptTokens, i, signal);
    onRequest(await sampleRequest(target, { prompt, maxTokens: plans.memory.outputTokens }, signal, { origin: performance.now() }));
  }
}

function configurationOf(options: BenchOptions): BenchConfiguration {
  const { latency, throughput, memory, stress, cache, quality } = options.plans;
  return {
    quick: options.quick,
    scenarios: options.scenarios,
    backends: options.backends,
    seed: options.seed,
    slo: options.slo,
    latency: { promptTokens: latency.promptTokens, outputTokens: latency.outputTokens, runs: latency.runs, warmup: latency.warmup },
    throughput: { ...throughput },
    memory: { ...memory },
    stress: {
      sustainS: stress.sustainS,
      burstS: stress.burstS,
      recoveryMaxS: stress.recoveryMaxS,
      promptTokens: stress.promptTokens,
      outputTokens: stress.outputTokens,
    },
    cache: { ...cache },
    quality: { ...quality },
    cost: { acceptanceRate: options.acceptanceRate },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
