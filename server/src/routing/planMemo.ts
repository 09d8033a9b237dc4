/**
 * The plan of a request is made once: the cache lookup (firstChoice), the generation and the
 * candidates of one request id share it, so learned routing's exploration cannot send the
 * lookup to one backend and the generation to the other, and each request is one decision.
 */
import type { RoutePlan } from './policy';

/** A request's plan is reused by its later calls within this time (a completion lasts seconds). */
const PLAN_REUSE_MS = 30_000;
const REMEMBERED_PLANS = 256;

export class PlanMemo {
  private readonly plans = new Map<string, { plan: RoutePlan; at: number }>();

  constructor(private readonly now: () => number) {}

  /** The plan made for `requestId` within PLAN_REUSE_MS; else `make()`'s, remembered for the id. */
  planFor(requestId: string | undefined, make: () => RoutePlan): RoutePlan {
    const known = requestId === undefined ? undefined : this.plans.get(requestId);
    if (known && this.now() - known.at < PLAN_REUSE_MS) return known.plan;
    const plan = make();
    if (requestId !== undefined) {
      this.plans.set(requestId, { plan, at: this.now() });
      if (this.plans.size > REMEMBERED_PLANS) this.plans.delete(this.plans.keys().next().value as string);
    }
    return plan;
  }

  /** Forgets every plan (the backends changed). */
  clear(): void {
    this.plans.clear();
  }
}
