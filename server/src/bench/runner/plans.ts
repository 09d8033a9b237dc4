/**
 * What each scenario sends, full and --quick. The full plan is the seed plan's (L1–L4 lengths,
 * 20 runs after warm-up, concurrency 1–16); --quick keeps a few cells and levels so a run ends
 * in minutes on two cores.
 */
import type { LatencyPlan } from './latency';
import { MEMORY_WARMUP, type MemoryPlan } from './memory';
import type { ThroughputPlan } from './throughput';

export interface Plans {
  latency: LatencyPlan;
  throughput: Omit<ThroughputPlan, 'slo' | 'seed'>;
  memory: MemoryPlan;
}

export const FULL_PLANS: Plans = {
  latency: { promptTokens: [128, 512, 1024, 2048], outputTokens: [64, 128, 256, 512], runs: 20, warmup: 5 },
  throughput: { concurrency: [1, 2, 4, 8, 16], requestsPerLevel: 32, rateFactors: [0.25, 0.5, 0.75, 1, 1.25, 1.5], promptTokens: 128, outputTokens: 64 },
  memory: { requests: 200, promptTokens: 256, outputTokens: 64 },
};

export const QUICK_PLANS: Plans = {
  latency: { promptTokens: [128, 512], outputTokens: [64, 128], runs: 5, warmup: 1 },
  throughput: { concurrency: [1, 2, 4], requestsPerLevel: 6, rateFactors: [0.5, 1.5], promptTokens: 128, outputTokens: 32 },
  memory: { requests: 40, promptTokens: 128, outputTokens: 32 },
};

/** Requests a plan sends per scenario (for the progress line). */
export function plannedRequests(plans: Plans): { latency: number; throughput: number; memory: number } {
  const l = plans.latency;
  const t = plans.throughput;
  return {
    latency: l.promptTokens.length * l.outputTokens.length * (l.runs + l.warmup),
    throughput: 1 + t.concurrency.reduce((sum, c) => sum + Math.max(c, t.requestsPerLevel), 0) + t.rateFactors.length * t.requestsPerLevel,
    memory: plans.memory.requests + MEMORY_WARMUP,
  };
}
