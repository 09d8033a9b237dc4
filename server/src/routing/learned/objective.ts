/**
 * What auto routing optimizes, in units a user can read and set (`tandem.routing.objective`):
 * expected utility = P(useful) × (1 − P(failure)) × value − latency × its price − cost × its
 * price − P(failure) × the failure penalty, subject to hard limits on TTFT and cost.
 *
 * "Useful" is acceptance for completions (accepted characters / shown characters, so a partial
 * accept counts in part) and the thumbs up share for explanations. The presets weigh a second
 * of waiting against one accepted suggestion: `fast` values a second at 2 accepts (waiting is
 * what a typist feels most), `quality` at 0.1 (a better suggestion is worth waiting for).
 */

export type ObjectivePreset = 'fast' | 'balanced' | 'quality' | 'cheap';

export interface Objective {
  /** Value of one useful answer (the unit of utility). */
  usefulValue: number;
  /** Utility lost per second of end-to-end latency. */
  perSecond: number;
  /** Utility lost per US dollar spent. */
  perUsd: number;
  /** Utility lost per failed request (an error or timeout, before any fallback). */
  perFailure: number;
}

export const OBJECTIVE_PRESETS: Readonly<Record<ObjectivePreset, Objective>> = Object.freeze({
  fast: { usefulValue: 1, perSecond: 2, perUsd: 100, perFailure: 1 },
  balanced: { usefulValue: 1, perSecond: 0.5, perUsd: 100, perFailure: 1 },
  quality: { usefulValue: 1, perSecond: 0.1, perUsd: 100, perFailure: 0.5 },
  cheap: { usefulValue: 1, perSecond: 0.5, perUsd: 10_000, perFailure: 1 },
});

export interface Limits {
  /** A backend whose median TTFT estimate is above this is not chosen (0: no limit). */
  maxTtftMs: number;
  /** A backend whose mean cost per request is above this is not chosen (0: no limit). */
  maxCostPerRequest: number;
}

export interface Estimate {
  useful: number;
  failure: number;
  e2eP50Ms: number;
  costUsd: number;
}

export function utility(objective: Objective, estimate: Estimate): number {
  return (
    estimate.useful * (1 - estimate.failure) * objective.usefulValue -
    (estimate.e2eP50Ms / 1000) * objective.perSecond -
    estimate.costUsd * objective.perUsd -
    estimate.failure * objective.perFailure
  );
}
