/**
 * Runs the selected scenarios against each backend, one backend after the other (never both at
 * once, so neither steals the other's CPU), and assembles report.json's object.
 */
import { randomUUID } from 'node:crypto';
import type { TandemConfig } from '../../config';
import type { BackendId } from '../../protocol';
import { runCost } from './cost';
import { machineInfo, softwareInfo } from './environment';
import { runLatency } from './latency';
import { heapUsedMb, rssMb, runMemory } from './memory';
import { METRICS } from './metricCatalog';
import { plannedRequests, type Plans } from './plans';
import type { Progress } from './progress';
import { heldoutCorpus, PromptCutter } from './prompts';
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
  const signal = options.signal ?? new AbortController().signal;
  const corpora = heldoutCorpus(options.fixturesDir);
  const backends: BackendReport[] = [];
  for (const id of options.backends) backends.push(await runBackend(id, options, corpora, signal));
  options.progress?.done();
  const notDone = [
    ...NOT_BUILT.map((name) => `${name}: scenario not built yet (issue 14)`),
    'memory: KV-cache bytes vs context length not measured',
    'throughput: batch sizes (T6, T7) not applicable to a single-stream local worker; not measured',
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
    summary: summaryRows(backends),
    backends,
    notDone,
  };
}

async function runBackend(id: BackendId, options: BenchOptions, corpora: string[], signal: AbortSignal): Promise<BackendReport> {
  const report: BackendReport = { id, model: null, errors: [], latency: null, throughput: null, memory: null, cost: null };
  const rssBeforeLoadMb = rssMb();
  let target: BenchTarget;
  try {
    target = await openTarget(id, { local: options.config.local, offload: options.config.offload, ...(options.apiKey ? { apiKey: options.apiKey } : {}) }, signal);
  } catch (error) {
    report.errors.push(`open: ${messageOf(error)}`);
    return report;
  }
  const load = { rssBeforeLoadMb, rssAfterLoadMb: rssMb(), heapUsedAfterLoadMb: heapUsedMb() };
  report.model = target.model;
  const prompts = new PromptCutter(target, corpora);
  const ledger: RequestSample[] = [];
  const planned = plannedRequests(options.plans);
  const progress = options.progress;
  const onRequest = (sample: RequestSample) => {
    ledger.push(sample);
    progress?.tick();
  };
  const has = (name: ScenarioName) => options.scenarios.includes(name);
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
        report.throughput = await runThroughput(target, prompts, { ...options.plans.throughput, slo: options.slo, seed: options.seed }, signal, onRequest);
      });
    }
    if (has('memory')) {
      progress?.phase(`${id} memory`, planned.memory);
      await attempt('memory', async () => {
        report.memory = await runMemory(target, prompts, load, options.plans.memory, signal, onRequest);
      });
    }
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

/** Cost alone: a few requests of the memory plan's shape to price. */
async function pricingRequests(target: BenchTarget, prompts: PromptCutter, plans: Plans, signal: AbortSignal, onRequest: (s: RequestSample) => void): Promise<void> {
  const count = Math.min(plans.memory.requests, 10);
  for (let i = 0; i < count; i++) {
    const prompt = await prompts.prompt(plans.memory.promptTokens, i, signal);
    onRequest(await sampleRequest(target, { prompt, maxTokens: plans.memory.outputTokens }, signal, { origin: performance.now() }));
  }
}

function configurationOf(options: BenchOptions): BenchConfiguration {
  const { latency, throughput, memory } = options.plans;
  return {
    quick: options.quick,
    scenarios: options.scenarios,
    backends: options.backends,
    seed: options.seed,
    slo: options.slo,
    latency: { promptTokens: latency.promptTokens, outputTokens: latency.outputTokens, runs: latency.runs, warmup: latency.warmup },
    throughput: { ...throughput },
    memory: { ...memory },
    cost: { acceptanceRate: options.acceptanceRate },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
