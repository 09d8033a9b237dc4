/**
 * The routing decision as a pure function: which backends to try, in which order, and a
 * sentence saying why. Execution (fallback, hedging, measuring) lives in router.ts.
 *
 * Privacy rule: code goes to the offload endpoint only when the user configured one and the
 * policy is not `local`. Fallback always goes towards local, never from local to offload under
 * the `local` policy.
 */
import type { Backend } from '../backends/backend';
import type { RoutingPolicy } from '../protocol';
import type { RouteContext } from './types';

export interface Usability {
  ok: boolean;
  /** Why not, in a few words ("breaker open", "not configured"). */
  why?: string;
}

export interface PolicyInput {
  policy: RoutingPolicy;
  context: RouteContext;
  local: Backend;
  offload: Backend | undefined;
  usable: (backend: Backend) => Usability;
  /** Recent E2E latency of a backend for this task, if any was measured. */
  latencyMs: (backend: Backend) => number | undefined;
  /** The request's time budget: `auto` avoids a backend whose recent latency exceeds it. */
  budgetMs: number;
  /**
   * Learned auto routing (learned/learnedRouting.ts): given the usable backends in the fixed
   * rule's order, the one to try first and why, or undefined to keep the fixed rule.
   */
  learned?: (order: readonly Backend[]) => { backend: Backend; reason: string } | undefined;
}

export interface RoutePlan {
  /** First choice first; the rest are fallbacks in order. Empty when nothing can answer. */
  order: Backend[];
  decision: string;
  /** When order is empty: why no backend can answer. */
  unavailableReason?: string;
  /**
   * Set when the policy wanted offload but it could not be asked (down, breaker open): the local
   * answer replaces it, and that is a fallback with this reason.
   */
  passedOver?: string;
}

export function planRoute(input: PolicyInput): RoutePlan {
  const { policy, context, local, offload } = input;
  const localUse = input.usable(local);
  const offloadUse: Usability = offload ? input.usable(offload) : { ok: false, why: 'no offload endpoint configured' };

  if (policy === 'local') {
    return localUse.ok
      ? { order: [local], decision: 'policy local → local' }
      : { order: [], decision: 'policy local', unavailableReason: `local model unavailable (${localUse.why})` };
  }

  if (policy === 'offload') {
    if (offload && offloadUse.ok) {
      return { order: localUse.ok ? [offload, local] : [offload], decision: 'policy offload → offload' };
    }
    return localUse.ok
      ? { order: [local], decision: `policy offload → local (offload ${offloadUse.why})`, ...passedOver(offload, offloadUse) }
      : { order: [], decision: 'policy offload', unavailableReason: `offload ${offloadUse.why}; local ${localUse.why}` };
  }

  // auto: short single-line completions stay local (fast, private); multi-line completions and
  // explanations go to the bigger offload model when it is healthy and fast enough.
  const wantsOffload = context.task === 'explain' || context.multiline;
  const what = context.task === 'explain' ? 'explain' : context.multiline ? 'multi-line' : 'single-line';
  if (!wantsOffload || !offload || !offloadUse.ok) {
    // A short single-line completion: local by rule, but learned routing may prefer offload.
    if (localUse.ok && !wantsOffload && offload && offloadUse.ok) {
      const learned = input.learned?.([local, offload]);
      if (learned?.backend === offload) return { order: [offload, local], decision: learned.reason };
      if (learned) return { order: [local], decision: learned.reason };
    }
    if (localUse.ok) {
      const why = wantsOffload ? ` (offload ${offloadUse.why})` : '';
      return { order: [local], decision: `auto: ${what} → local${why}`, ...(wantsOffload ? passedOver(offload, offloadUse) : {}) };
    }
    if (offload && offloadUse.ok) return { order: [offload], decision: `auto: ${what} → offload (local ${localUse.why})` };
    return { order: [], decision: 'auto', unavailableReason: `local ${localUse.why}; offload ${offloadUse.why}` };
  }
  const offloadLatency = input.latencyMs(offload);
  const localLatency = input.latencyMs(local);
  if (
    localUse.ok &&
    offloadLatency !== undefined &&
    offloadLatency > input.budgetMs &&
    (localLatency === undefined || localLatency < offloadLatency)
  ) {
    return {
      order: [local, offload],
      decision: `auto: ${what} → local (offload recent ${Math.round(offloadLatency)} ms > budget ${input.budgetMs} ms)`,
    };
  }
  const order = localUse.ok ? [offload, local] : [offload];
  const learned = order.length > 1 ? input.learned?.(order) : undefined;
  if (learned) return { order: [learned.backend, ...order.filter((backend) => backend !== learned.backend)], decision: learned.reason };
  return { order, decision: `auto: ${what} → offload` };
}

/** A configured offload that could not be asked; not configuring one is no fallback. */
function passedOver(offload: Backend | undefined, use: Usability): { passedOver?: string } {
  return offload && !use.ok ? { passedOver: `offload ${use.why ?? 'unavailable'}` } : {};
}
