/**
 * A simulated user and two scripted backends for the learned router: each step routes one
 * request, the chosen backend answers after its scripted latency (or fails), and the user
 * accepts with the backend's scripted probability. Time advances by `stepMs` per request.
 */
import { LearnedRouting, type LearnedRoutingOptions } from '../../server/src/routing/learned/learnedRouting';
import { OBJECTIVE_PRESETS } from '../../server/src/routing/learned/objective';
import type { BackendId } from '../../server/src/protocol';
import { seededRandom } from '../../server/src/seededRandom';

/**
 * The learned router the tests use: balanced, a 1 s TTFT limit, 5 % exploration, a 60 s
 * half-life (usefulness 1 h), seeded draws; `options` override any of it.
 */
export function learnedRoutingForTest(options: Partial<LearnedRoutingOptions> = {}): LearnedRouting {
  return new LearnedRouting({
    objective: OBJECTIVE_PRESETS.balanced,
    limits: { maxTtftMs: 1000, maxCostPerRequest: 0 },
    explorationRate: 0.05,
    halfLifeMs: 60_000,
    usefulHalfLifeMs: 3_600_000,
    now: () => 0,
    random: seededRandom(11),
    ...options,
  });
}

export interface ScriptedBackend {
  ttftMs: number;
  e2eMs: number;
  acceptRate: number;
  /** Fails instead of answering. */
  fails?: boolean;
  costUsd?: number;
}

export type Script = (step: number) => Record<BackendId, ScriptedBackend>;

export interface SimulationResult {
  choices: BackendId[];
  explored: boolean[];
  reasons: string[];
  router: LearnedRouting;
}

export function simulate(
  script: Script,
  steps: number,
  options: Partial<LearnedRoutingOptions> = {},
  bucket = 'completion/python/multi-line/≤1024',
  rule: readonly BackendId[] = ['offload', 'local'],
  stepMs = 2000,
): SimulationResult {
  let now = 0;
  const userRandom = seededRandom(7);
  const router = learnedRoutingForTest({ now: () => now, ...options });
  const result: SimulationResult = { choices: [], explored: [], reasons: [], router };
  for (let step = 0; step < steps; step++) {
    now += stepMs;
    const choice = router.choose(bucket, rule) ?? { backend: rule[0] as BackendId, explored: false, reason: 'fixed rule' };
    result.choices.push(choice.backend);
    result.explored.push(choice.explored);
    result.reasons.push(choice.reason);
    const backend = script(step)[choice.backend];
    const id = `r${step}`;
    if (backend.fails) {
      router.observeAttempt(bucket, choice.backend, { ok: false });
      continue;
    }
    router.observeAttempt(bucket, choice.backend, { ok: true, ttftMs: backend.ttftMs, e2eMs: backend.e2eMs });
    router.observeCost(bucket, choice.backend, backend.costUsd ?? 0);
    router.trackAnswer(id, bucket, choice.backend);
    router.observeVerdict(id, userRandom() < backend.acceptRate ? 1 : 0);
  }
  return result;
}

/** Share of `choices[from, to)` equal to `backend`. */
export function share(choices: readonly BackendId[], backend: BackendId, from: number, to = choices.length): number {
  const slice = choices.slice(from, to);
  return slice.filter((choice) => choice === backend).length / slice.length;
}

/** Index of the first step at or after `from` from which the next `run` choices are all `backend`. */
export function settledAt(choices: readonly BackendId[], backend: BackendId, from: number, run = 5): number | undefined {
  for (let i = from; i + run <= choices.length; i++) {
    if (choices.slice(i, i + run).every((choice) => choice === backend)) return i;
  }
  return undefined;
}
