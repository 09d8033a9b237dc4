/**
 * Memory scenario (seed plan M1, M4, M6): the process's resident set before and after the model
 * loads, then N sequential requests with the RSS read after each, and two least-squares lines
 * through those readings: MB per request (growth) and MB per hour (leak rate), each with its
 * slope's standard error, so "no leak" is a claim with an error bar rather than one difference.
 * The local model runs in a worker thread of this process, so its memory is in the RSS; for
 * offload the RSS is Tandem's client only (the server's memory is the server's to report).
 */
import type { MemoryResult, SlopeWithError } from './reportTypes';
import { sampleRequest, type RequestSample } from './sampler';
import { linearFit } from './stats';
import type { PromptCutter } from './prompts';
import type { BenchTarget } from './targets';

export interface LoadMemory {
  rssBeforeLoadMb: number;
  rssAfterLoadMb: number;
  heapUsedAfterLoadMb: number;
}

export interface MemoryPlan {
  requests: number;
  promptTokens: number;
  outputTokens: number;
}

const MB = 1024 * 1024;
export const MEMORY_WARMUP = 3;

export function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

export function heapUsedMb(): number {
  return process.memoryUsage().heapUsed / MB;
}

export async function runMemory(
  target: BenchTarget,
  prompts: PromptCutter,
  load: LoadMemory,
  plan: MemoryPlan,
  signal: AbortSignal,
  onRequest: (sample: RequestSample) => void,
): Promise<MemoryResult> {
  // A few requests first, outside the series: the first ones grow buffers and JIT-compile code
  // once, which would read as a leak over a short run.
  for (let i = 0; i < MEMORY_WARMUP; i++) {
    const prompt = await prompts.prompt(plan.promptTokens, i, signal);
    onRequest(await sampleRequest(target, { prompt, maxTokens: plan.outputTokens }, signal, { origin: performance.now() }));
  }
  const origin = performance.now();
  const elapsedS: number[] = [];
  const rss: number[] = [];
  let peak = rssMb();
  for (let i = 0; i < plan.requests; i++) {
    const prompt = await prompts.prompt(plan.promptTokens, i, signal);
    onRequest(await sampleRequest(target, { prompt, maxTokens: plan.outputTokens }, signal, { origin }));
    const now = rssMb();
    peak = Math.max(peak, now);
    elapsedS.push((performance.now() - origin) / 1000);
    rss.push(Math.round(now * 1000) / 1000);
  }
  const perRequest = linearFit(
    rss.map((_, i) => i + 1),
    rss,
  );
  const perHour = linearFit(
    elapsedS.map((s) => s / 3600),
    rss,
  );
  return {
    scope: 'process',
    ...load,
    modelMemoryMb: load.rssAfterLoadMb - load.rssBeforeLoadMb,
    requests: plan.requests,
    rssAfterRunMb: rss[rss.length - 1] ?? rssMb(),
    peakRssMb: Math.max(peak, process.resourceUsage().maxRSS / 1024),
    perRequestGrowthMb: slope(perRequest),
    leakRateMbPerHour: slope(perHour),
    series: { elapsedS: elapsedS.map((s) => Math.round(s * 1000) / 1000), rssMb: rss },
  };
}

function slope(fit: ReturnType<typeof linearFit>): SlopeWithError {
  return {
    slope: Number.isFinite(fit.slope) ? fit.slope : null,
    stdError: Number.isFinite(fit.slopeStdError) ? fit.slopeStdError : null,
    points: fit.n,
  };
}
