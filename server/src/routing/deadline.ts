/**
 * How much of the caller's deadline an offload attempt may spend before the local model must
 * take over. Derived from the deadline the user already set (`completion.timeoutMs`,
 * `explain.timeoutMs`), never a second setting to balance against it.
 *
 * The rule, with `remaining` the time left until the caller's deadline when routing starts:
 *   firstTokenMs = min(offload.timeoutMs, remaining × SHARE[task], remaining − localReserve),
 *                  but at least MIN_FIRST_TOKEN_MS (or `remaining`, when even that is more)
 *   stallMs      = firstTokenMs: a stream silent between two chunks for as long as its first
 *                  token was allowed to take has stalled
 *   localReserve = 2 × the local model's recent E2E for the task (0 before it was measured)
 *   hedgeAtMs    = set only when a sequential fallback after `firstTokenMs` would leave local
 *                  less than its reserve: local then starts as a hedge at remaining − reserve.
 * SHARE: completion 1/2 (a 4 s deadline gives offload 2 s to start; the local model answers a
 * completion in well under a second), explain 1/4 (the 60 s default gives offload 15 s, the
 * default offload timeout; the rest is the local model's and the reading user's).
 */
import type { Task } from '../protocol';

const SHARE: Record<Task, number> = { completion: 1 / 2, explain: 1 / 4 };
const MIN_FIRST_TOKEN_MS = 200;
const LOCAL_RESERVE_FACTOR = 2;

export interface OffloadBudgetInput {
  task: Task;
  /** Time left until the caller's deadline, in ms. */
  remainingMs: number;
  /** `offload.timeoutMs`: the most any offload attempt may wait for a token. */
  offloadTimeoutMs: number;
  /** The local model's recent E2E for this task, if measured. */
  localRecentMs: number | undefined;
}

export interface OffloadBudget {
  firstTokenMs: number;
  stallMs: number;
  /** Start local as a hedge this many ms after the request began (see the rule above). */
  hedgeAtMs?: number;
}

export function offloadBudget(input: OffloadBudgetInput): OffloadBudget {
  const remaining = Math.max(0, input.remainingMs);
  const reserve = input.localRecentMs === undefined ? 0 : LOCAL_RESERVE_FACTOR * input.localRecentMs;
  const wanted = Math.min(input.offloadTimeoutMs, remaining * SHARE[input.task], remaining - reserve);
  const firstTokenMs = Math.round(Math.max(wanted, Math.min(MIN_FIRST_TOKEN_MS, remaining)));
  const budget: OffloadBudget = { firstTokenMs, stallMs: firstTokenMs };
  if (remaining - firstTokenMs < reserve) budget.hedgeAtMs = Math.max(0, Math.round(remaining - reserve));
  return budget;
}
