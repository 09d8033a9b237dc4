/**
 * What each scenario sends, full and --quick. The full plan is the seed plan's (L1–L4 lengths,
 * 20 runs after warm-up, concurrency 1–16); --quick keeps a few cells and levels so a run ends
 * in minutes on two cores.
 */
import type { CachePlan } from './cacheReplay';
import { ENGINES_FULL, ENGINES_QUICK } from './engines';
import type { EnginesPlan } from './enginesTypes';
import type { LatencyPlan } from './latency';
import { MEMORY_WARMUP, type MemoryPlan } from './memory';
import type { QualityPlan } from './quality';
import type { StressPlan } from './stress';
import type { ThroughputPlan } from './throughput';

export interface Plans {
  latency: LatencyPlan;
  throughput: Omit<ThroughputPlan, 'slo' | 'seed'>;
  memory: MemoryPlan;
  stress: StressPlan;
  cache: Omit<CachePlan, 'seed'>;
  quality: Omit<QualityPlan, 'seed'>;
  engines: EnginesPlan;
}

export const FULL_PLANS: Plans = {
  latency: { promptTokens: [128, 512, 1024, 2048], outputTokens: [64, 128, 256, 512], runs: 20, warmup: 5 },
  throughput: {
    concurrency: [1, 2, 4, 8, 16],
    requestsPerLevel: 32,
    rateFactors: [0.25, 0.5, 0.75, 1, 1.25, 1.5],
    promptTokens: 128,
    outputTokens: 64,
  },
  memory: { requests: 200, promptTokens: 256, outputTokens: 64 },
  stress: { sustainS: 300, burstS: 30, recoveryMaxS: 120, maxRequestsPerPhase: 5000, promptTokens: 128, outputTokens: 64 },
  // 150 ms between keystrokes: about 80 words a minute.
  cache: { files: 0, charsPerFile: 160, pacingMs: 150 },
  quality: { casesPerFile: 12, explainPairs: 40, functionTimeLimitMs: 5000, functionMemoryMb: 256, functionMaxTokens: 192 },
  engines: ENGINES_FULL,
};

export const QUICK_PLANS: Plans = {
  latency: { promptTokens: [128, 512], outputTokens: [64, 128], runs: 5, warmup: 1 },
  throughput: { concurrency: [1, 2, 4], requestsPerLevel: 6, rateFactors: [0.5, 1.5], promptTokens: 128, outputTokens: 32 },
  memory: { requests: 40, promptTokens: 128, outputTokens: 32 },
  stress: { sustainS: 8, burstS: 2, recoveryMaxS: 8, maxRequestsPerPhase: 40, promptTokens: 128, outputTokens: 32 },
  cache: { files: 3, charsPerFile: 24, pacingMs: 0 },
  quality: { casesPerFile: 1, explainPairs: 4, functionTimeLimitMs: 5000, functionMemoryMb: 256, functionMaxTokens: 96 },
  engines: ENGINES_QUICK,
};

/** Requests a plan sends per scenario (for the progress line). */
export function plannedRequests(
  plans: Plans,
  heldoutFiles: number,
  functionProblems: number,
): { latency: number; throughput: number; memory: number; stress: number; cache: number; quality: number } {
  const l = plans.latency;
  const t = plans.throughput;
  const cacheFiles = plans.cache.files > 0 ? Math.min(plans.cache.files, heldoutFiles) : heldoutFiles;
  return {
    latency: l.promptTokens.length * l.outputTokens.length * (l.runs + l.warmup),
    throughput: 1 + t.concurrency.reduce((sum, c) => sum + Math.max(c, t.requestsPerLevel), 0) + t.rateFactors.length * t.requestsPerLevel,
    memory: plans.memory.requests + MEMORY_WARMUP,
    // Arrivals are random: the expected count is not known before the saturation point is; the
    // cap per phase is the bound.
    stress: 3 * plans.stress.maxRequestsPerPhase,
    // Three passes over the typed characters.
    cache: 3 * cacheFiles * plans.cache.charsPerFile,
    // Next line, FIM, each function problem, each explanation.
    quality: 2 + functionProblems + plans.quality.explainPairs,
  };
}
