/**
 * Throughput scenario (seed plan T1–T5): a closed loop at each concurrency (that many requests
 * in flight at all times until the level's requests are done), then an open loop with Poisson
 * arrivals at rates that are multiples of the measured single-stream capacity. Open-loop TTFT
 * and E2E count from each request's arrival, so queueing is in them, as a user would feel it.
 */
import { seededRandom } from '../../seededRandom';
import { rawSamples } from './latency';
import type { LoadLevel, Saturation, ThroughputResult } from './reportTypes';
import { rotatingSender, type RequestSample, type Send } from './sampler';
import { describe, goodput, type Slo } from './stats';
import type { PromptCutter } from './prompts';
import type { BenchTarget } from './targets';

export interface ThroughputPlan {
  concurrency: number[];
  requestsPerLevel: number;
  /** Open-loop rates as multiples of the concurrency-1 throughput. */
  rateFactors: number[];
  promptTokens: number;
  outputTokens: number;
  slo: Slo;
  seed: number;
}

/** A level saturates when the next one adds less than this share of requests/s. */
export const SATURATION_GAIN = 0.1;
export const SATURATION_RULE =
  'the lowest concurrency whose next level adds < 10 % requests/s (the highest level measured when every step still gains)';

export async function runThroughput(
  target: BenchTarget,
  prompts: PromptCutter,
  plan: ThroughputPlan,
  signal: AbortSignal,
  onRequest: (sample: RequestSample) => void,
): Promise<ThroughputResult> {
  const send = await rotatingSender(target, prompts, plan, signal, onRequest);

  // One warm-up request, not counted (first-request effects belong to the latency scenario).
  await send(0, { origin: performance.now() });

  const closedLoop: LoadLevel[] = [];
  for (const concurrency of plan.concurrency) closedLoop.push(await closedLoopLevel(send, concurrency, plan.requestsPerLevel, plan.slo));

  const capacity = closedLoop.find((level) => level.concurrency === 1)?.requestsPerSecond ?? (await singleStreamCapacity(send));
  const openLoop: LoadLevel[] = [];
  const random = seededRandom(plan.seed);
  for (const factor of plan.rateFactors) {
    const rate = capacity * factor;
    if (!(rate > 0)) continue;
    const origin = performance.now();
    let arrival = 0;
    const pending: Promise<RequestSample>[] = [];
    for (let i = 0; i < plan.requestsPerLevel; i++) {
      arrival += (-Math.log(1 - random()) / rate) * 1000;
      const due = origin + arrival;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(send(i, { origin, started: due }));
    }
    const samples = await Promise.all(pending);
    openLoop.push(loadLevel('open', null, rate, samples, (performance.now() - origin) / 1000, plan.slo));
  }
  return {
    promptTokens: plan.promptTokens,
    outputTokens: plan.outputTokens,
    slo: plan.slo,
    closedLoop,
    openLoop,
    saturation: saturationOf(closedLoop),
  };
}

/**
 * A closed loop: `concurrency` workers keep that many requests in flight until
 * max(requests, concurrency) are done, numbered 0, 1, ... in sending order.
 */
export async function closedLoopLevel(send: Send, concurrency: number, requests: number, slo: Slo): Promise<LoadLevel> {
  const origin = performance.now();
  const samples: RequestSample[] = [];
  let next = 0;
  const total = Math.max(requests, concurrency);
  const worker = async () => {
    while (next < total) samples.push(await send(next++, { origin }));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return loadLevel('closed', concurrency, null, samples, (performance.now() - origin) / 1000, slo);
}

async function singleStreamCapacity(send: Send): Promise<number> {
  const origin = performance.now();
  for (let i = 0; i < 3; i++) await send(i, { origin });
  return 3 / ((performance.now() - origin) / 1000);
}

export function loadLevel(
  mode: LoadLevel['mode'],
  concurrency: number | null,
  offeredRps: number | null,
  samples: readonly RequestSample[],
  durationS: number,
  slo: Slo,
): LoadLevel {
  const ok = samples.filter((s) => s.ok);
  const outputTokens = ok.reduce((sum, s) => sum + s.outputTokens, 0);
  return {
    mode,
    concurrency,
    offeredRps,
    requests: samples.length,
    errors: samples.length - ok.length,
    durationS,
    requestsPerSecond: durationS > 0 ? ok.length / durationS : 0,
    outputTokensPerSecond: durationS > 0 ? outputTokens / durationS : 0,
    goodput: goodput(samples, slo, durationS),
    ttftMs: describe(ok.map((s) => s.ttftMs)),
    tpotMs: describe(ok.map((s) => s.tpotMs ?? Number.NaN)),
    e2eMs: describe(ok.map((s) => s.e2eMs)),
    samples: rawSamples(ok),
  };
}

export function saturationOf(levels: readonly LoadLevel[]): Saturation | null {
  const sorted = levels.filter((l) => l.concurrency !== null).sort((a, b) => (a.concurrency as number) - (b.concurrency as number));
  if (sorted.length === 0) return null;
  let chosen = sorted[sorted.length - 1] as LoadLevel;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const level = sorted[i] as LoadLevel;
    if ((sorted[i + 1] as LoadLevel).requestsPerSecond < level.requestsPerSecond * (1 + SATURATION_GAIN)) {
      chosen = level;
      break;
    }
  }
  return {
    concurrency: chosen.concurrency as number,
    requestsPerSecond: chosen.requestsPerSecond,
    ttftP50Ms: chosen.ttftMs.p50,
    ttftP95Ms: chosen.ttftMs.p95,
    e2eP50Ms: chosen.e2eMs.p50,
    e2eP95Ms: chosen.e2eMs.p95,
    rule: SATURATION_RULE,
  };
}
