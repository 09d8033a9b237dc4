/**
 * Learned routing's options from `tandem.routing.*` (config.ts). `objective: fixed` turns
 * learning off in the router; the options are then those of `balanced`, unused.
 */
import type { TandemConfig } from '../../config';
import type { LearnedRoutingOptions } from './learnedRouting';
import { OBJECTIVE_PRESETS } from './objective';

/** Acceptance evidence fades this many times slower than latency evidence (see usefulHalfLifeMs). */
export const USEFUL_HALF_LIFE_FACTOR = 60;

export function learnedOptionsOf(
  routing: TandemConfig['routing'],
): Pick<LearnedRoutingOptions, 'objective' | 'limits' | 'explorationRate' | 'halfLifeMs' | 'usefulHalfLifeMs'> {
  const halfLifeMs = routing.evidenceHalfLifeSeconds * 1000;
  return {
    objective: OBJECTIVE_PRESETS[routing.objective === 'fixed' ? 'balanced' : routing.objective],
    limits: { maxTtftMs: routing.maxTtftMs, maxCostPerRequest: routing.maxCostPerRequest },
    explorationRate: routing.exploration,
    halfLifeMs,
    usefulHalfLifeMs: halfLifeMs * USEFUL_HALF_LIFE_FACTOR,
  };
}
