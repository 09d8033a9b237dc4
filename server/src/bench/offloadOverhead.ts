/**
 * `tandem bench overhead`: what Tandem's offload client costs on top of the network and the
 * model. N sequential streamed completions through OffloadBackend and N through a bare
 * node:http streaming request (BareStreamClient), against the same server in the same run,
 * interleaved (ABBA order) so drift and noise hit both alike. Reports p50/p90/p99 TTFT and E2E
 * for both and the overhead; goal (issue 4): p50 TTFT overhead ≤ 2 ms and ≤ 5 % at p99.
 *
 * Without --url it starts a vLLM-like server in-process with a timing profile (profiledServer.ts:
 * prefill delay, then one token every few ms). With --url it measures a real server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { GenerateRequest } from '../backends/backend';
import { OffloadBackend } from '../backends/offload/offloadBackend';
import { requestParams } from '../backends/offload/requestParams';
import { DEFAULT_CONFIG } from '../config';
import { summarize } from '../metrics/percentiles';
import type { LatencySummary } from '../protocol';
import { BareStreamClient, type StreamTiming } from './bareStreamClient';
import { ProfiledServer } from './profiledServer';

const GOAL_TTFT_P50_MS = 2;
const GOAL_TTFT_P99_PCT = 5;

const USAGE = `tandem bench overhead [--n 200] [--warmup 20] [--out reports/bench-overhead.json]
  [--url http://host:8000/v1 --model NAME]        measure a real server instead of the fake
  [--first-token-ms 25] [--token-ms 3] [--tokens 16]   timing profile of the in-process fake server`;

interface Options {
  n: number;
  warmup: number;
  out: string;
  url?: string;
  model: string;
  firstTokenMs: number;
  tokenMs: number;
  tokens: number;
}

export async function overheadBenchMain(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const fake = options.url
    ? undefined
    : await ProfiledServer.start({ firstTokenMs: options.firstTokenMs, tokenMs: options.tokenMs, tokens: options.tokens });
  const url = options.url ?? fake!.baseUrl;
  const apiKey = process.env.TANDEM_OFFLOAD_API_KEY ?? '';
  const backend = new OffloadBackend({
    config: { ...DEFAULT_CONFIG.offload, url, model: options.model, timeoutMs: 60_000, maxRetries: 0 },
    apiKey,
  });
  const bare = new BareStreamClient(url, apiKey);
  try {
    const probe = await backend.probe();
    if (probe.state !== 'ready') throw new Error(`Offload server not ready: ${probe.detail}`);
    const request: GenerateRequest = {
      task: 'completion',
      prompt: 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    ',
      maxTokens: options.tokens,
      temperature: 0,
      stop: [],
    };
    const params = requestParams(request, {
      model: backend.model,
      kind: 'completion',
      serverKind: backend.serverKind,
      fimTemplate: backend.fimTemplate,
    });
    const bareBody = { ...params, stream: true, stream_options: { include_usage: true } };
    const samples = await measure(
      options,
      () => timeTandem(backend, request),
      () => bare.stream(bareBody),
    );
    const report = buildReport(options, url, backend.model, fake !== undefined, samples);
    printReport(report);
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, JSON.stringify(report, null, 2) + '\n');
    console.log(`\nWrote ${options.out}`);
    return 0;
  } catch (error) {
    console.error(`Overhead benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    bare.close();
    await backend.dispose();
    await fake?.close();
  }
}

interface Samples {
  tandem: StreamTiming[];
  bare: StreamTiming[];
}

/** Warm-up pairs are discarded; then pairs alternate which client goes first (ABBA). */
async function measure(options: Options, tandem: () => Promise<StreamTiming>, bare: () => Promise<StreamTiming>): Promise<Samples> {
  const samples: Samples = { tandem: [], bare: [] };
  for (let i = 0; i < options.warmup + options.n; i++) {
    const tandemFirst = i % 2 === 0;
    const first = await (tandemFirst ? tandem() : bare());
    const second = await (tandemFirst ? bare() : tandem());
    if (i < options.warmup) continue;
    samples.tandem.push(tandemFirst ? first : second);
    samples.bare.push(tandemFirst ? second : first);
  }
  return samples;
}

async function timeTandem(backend: OffloadBackend, request: GenerateRequest): Promise<StreamTiming> {
  const started = performance.now();
  let ttftMs = Number.NaN;
  let text = '';
  for await (const chunk of backend.generate(request, new AbortController().signal)) {
    if (chunk.type !== 'text') continue;
    if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
    text += chunk.text;
  }
  return { ttftMs, e2eMs: performance.now() - started, text };
}

interface Report {
  benchmark: 'offload-client-overhead';
  generatedAt: string;
  node: string;
  target: string;
  model: string;
  n: number;
  warmup: number;
  profile?: { firstTokenMs: number; tokenMs: number; tokens: number };
  tandem: { ttftMs: LatencySummary; e2eMs: LatencySummary };
  bare: { ttftMs: LatencySummary; e2eMs: LatencySummary };
  overhead: {
    ttftP50Ms: number;
    ttftP50Pct: number;
    ttftP99Ms: number;
    ttftP99Pct: number;
    e2eP50Ms: number;
    e2eP99Pct: number;
    pairedTtftMedianMs: number;
  };
  goals: { ttftP50Ms: { limit: number; value: number; met: boolean }; ttftP99Pct: { limit: number; value: number; met: boolean } };
}

function buildReport(options: Options, url: string, model: string, inProcess: boolean, samples: Samples): Report {
  const tandem = { ttftMs: summarize(samples.tandem.map((s) => s.ttftMs)), e2eMs: summarize(samples.tandem.map((s) => s.e2eMs)) };
  const bare = { ttftMs: summarize(samples.bare.map((s) => s.ttftMs)), e2eMs: summarize(samples.bare.map((s) => s.e2eMs)) };
  const paired = summarize(samples.tandem.map((s, i) => s.ttftMs - (samples.bare[i]?.ttftMs ?? Number.NaN))).p50;
  const pct = (a: number, b: number): number => (b > 0 ? ((a - b) / b) * 100 : 0);
  const overhead = {
    ttftP50Ms: tandem.ttftMs.p50 - bare.ttftMs.p50,
    ttftP50Pct: pct(tandem.ttftMs.p50, bare.ttftMs.p50),
    ttftP99Ms: tandem.ttftMs.p99 - bare.ttftMs.p99,
    ttftP99Pct: pct(tandem.ttftMs.p99, bare.ttftMs.p99),
    e2eP50Ms: tandem.e2eMs.p50 - bare.e2eMs.p50,
    e2eP99Pct: pct(tandem.e2eMs.p99, bare.e2eMs.p99),
    pairedTtftMedianMs: paired,
  };
  return {
    benchmark: 'offload-client-overhead',
    generatedAt: new Date().toISOString(),
    node: process.version,
    target: inProcess ? `in-process vLLM-like server at ${url}` : url,
    model,
    n: options.n,
    warmup: options.warmup,
    ...(inProcess ? { profile: { firstTokenMs: options.firstTokenMs, tokenMs: options.tokenMs, tokens: options.tokens } } : {}),
    tandem,
    bare,
    overhead,
    goals: {
      ttftP50Ms: { limit: GOAL_TTFT_P50_MS, value: overhead.ttftP50Ms, met: overhead.ttftP50Ms <= GOAL_TTFT_P50_MS },
      ttftP99Pct: { limit: GOAL_TTFT_P99_PCT, value: overhead.ttftP99Pct, met: overhead.ttftP99Pct <= GOAL_TTFT_P99_PCT },
    },
  };
}

function printReport(report: Report): void {
  const ms = (value: number): string => value.toFixed(2).padStart(8);
  const row = (label: string, s: LatencySummary): string => `${label.padEnd(14)}${ms(s.p50)}${ms(s.p90)}${ms(s.p99)}${ms(s.mean)}`;
  console.log(`Offload client overhead — ${report.target}, model ${report.model}, n=${report.n} pairs (+${report.warmup} warm-up)`);
  console.log(`${''.padEnd(14)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}${'mean'.padStart(8)}   (ms)`);
  console.log(row('TTFT tandem', report.tandem.ttftMs));
  console.log(row('TTFT bare', report.bare.ttftMs));
  console.log(row('E2E tandem', report.tandem.e2eMs));
  console.log(row('E2E bare', report.bare.e2eMs));
  const o = report.overhead;
  console.log(
    `Overhead TTFT: p50 ${o.ttftP50Ms.toFixed(2)} ms (${o.ttftP50Pct.toFixed(1)} %), p99 ${o.ttftP99Ms.toFixed(2)} ms (${o.ttftP99Pct.toFixed(1)} %), paired median ${o.pairedTtftMedianMs.toFixed(2)} ms`,
  );
  console.log(`Overhead E2E:  p50 ${o.e2eP50Ms.toFixed(2)} ms, p99 ${o.e2eP99Pct.toFixed(1)} %`);
  const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');
  console.log(
    `Goals: p50 TTFT overhead ≤ ${GOAL_TTFT_P50_MS} ms: ${verdict(report.goals.ttftP50Ms.met)}; p99 TTFT overhead ≤ ${GOAL_TTFT_P99_PCT} %: ${verdict(report.goals.ttftP99Pct.met)}`,
  );
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
      out: { type: 'string', default: 'reports/bench-overhead.json' },
      url: { type: 'string' },
      model: { type: 'string', default: '' },
      'first-token-ms': { type: 'string', default: '25' },
      'token-ms': { type: 'string', default: '3' },
      tokens: { type: 'string', default: '16' },
    },
  });
  const int = (name: string, value: string | undefined, min: number): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}.`);
    return parsed;
  };
  return {
    n: int('n', values.n, 1),
    warmup: int('warmup', values.warmup, 0),
    out: values.out ?? 'reports/bench-overhead.json',
    ...(values.url ? { url: values.url } : {}),
    model: values.model ?? '',
    firstTokenMs: int('first-token-ms', values['first-token-ms'], 0),
    tokenMs: int('token-ms', values['token-ms'], 0),
    tokens: int('tokens', values.tokens, 1),
  };
}
