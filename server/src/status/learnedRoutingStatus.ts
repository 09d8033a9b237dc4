/**
 * The status's `learned` field (protocol.ts LearnedRoutingStatus): learned auto routing's
 * estimates per bucket and which backend auto would pick now, for the performance panel's "Auto
 * routing" table. Read-only: the pick is LearnedRouting.peek, which counts no routing decision
 * and explores nothing.
 *
 * The status is sent after every answered request, so this stays small: the buckets with the
 * most evidence only, numbers rounded to what the panel shows.
 */
import type { TandemConfig } from '../config';
import type { BackendId, LearnedBucketStatus, LearnedEstimateStatus, LearnedRoutingStatus, Task } from '../protocol';
import type { BackendEstimate, LearnedRouting } from '../routing/learned/learnedRouting';

/** At most this many buckets per status (a few dozen rows in the panel). */
export const MAX_STATUS_BUCKETS = 24;

export function learnedRoutingStatus(
  learned: Pick<LearnedRouting, 'estimates' | 'peek'>,
  routing: Pick<TandemConfig['routing'], 'policy' | 'objective'>,
  hasOffload: boolean,
): LearnedRoutingStatus {
  const use: LearnedRoutingStatus['use'] =
    routing.policy !== 'auto' ? 'policy' : routing.objective === 'fixed' ? 'objective-fixed' : hasOffload ? 'on' : 'no-offload';
  if (use !== 'on') return { use, objective: routing.objective, buckets: [] };
  const byBucket = new Map<string, BackendEstimate[]>();
  for (const estimate of learned.estimates()) byBucket.set(estimate.bucket, [...(byBucket.get(estimate.bucket) ?? []), estimate]);
  const buckets = [...byBucket.entries()]
    .map(([bucket, estimates]) => ({ bucket, estimates, evidence: estimates.reduce((sum, estimate) => sum + estimate.evidence, 0) }))
    .sort((a, b) => b.evidence - a.evidence || a.bucket.localeCompare(b.bucket))
    .slice(0, MAX_STATUS_BUCKETS)
    .map(({ bucket, estimates }) => bucketStatus(learned, bucket, estimates));
  return { use, objective: routing.objective, buckets };
}

function bucketStatus(learned: Pick<LearnedRouting, 'peek'>, bucket: string, estimates: BackendEstimate[]): LearnedBucketStatus {
  const parts = splitBucket(bucket);
  const candidates = fixedRuleOrder(parts.shape);
  const peeked = learned.peek(bucket, candidates);
  const first = candidates[0];
  return {
    bucket,
    ...parts,
    pick: peeked?.backend ?? first,
    pickReason: peeked?.reason ?? `fixed rule: ${first} (${first} not measured recently in this bucket)`,
    learnedPick: peeked !== undefined,
    backends: estimates.sort((a, b) => a.backend.localeCompare(b.backend)).map(estimateStatus),
  };
}

/**
 * The fixed rule's order for a bucket when both backends are usable (routing/policy.ts): short
 * single-line completions local first, multi-line completions and explanations offload first.
 */
function fixedRuleOrder(shape: string): [BackendId, BackendId] {
  return shape === 'single-line' ? ['local', 'offload'] : ['offload', 'local'];
}

/** "completion/python/multi-line/≤1024" (routing/learned/buckets.ts bucketOf) into its parts. */
function splitBucket(bucket: string): Pick<LearnedBucketStatus, 'task' | 'language' | 'shape' | 'promptSize'> {
  const parts = bucket.split('/');
  const task = parts[0] === 'explain' ? 'explain' : ('completion' satisfies Task);
  // The language is whatever lies between task and the last two parts (a language id has no
  // slash today; this keeps one that did whole).
  return { task, language: parts.slice(1, -2).join('/'), shape: parts.at(-2) ?? '', promptSize: parts.at(-1) ?? '' };
}

function estimateStatus(estimate: BackendEstimate): LearnedEstimateStatus {
  return {
    backend: estimate.backend,
    evidence: round(estimate.evidence, 2),
    ...(estimate.ttftP50Ms === undefined ? {} : { ttftP50Ms: Math.round(estimate.ttftP50Ms) }),
    ...(estimate.e2eP50Ms === undefined ? {} : { e2eP50Ms: Math.round(estimate.e2eP50Ms) }),
    useful: round(estimate.useful, 4),
    failure: round(estimate.failure, 4),
    // Per-request costs are fractions of a cent: keep significant digits, not decimals.
    costUsd: Number(estimate.costUsd.toPrecision(3)),
  };
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
