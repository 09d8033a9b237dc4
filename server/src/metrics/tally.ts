/**
 * The intermediate form of per-backend statistics: counts, sums and the raw latency values.
 * Tallies can be built from rows in JS (tallyRows) or by SQL in the store, merged (rows still
 * queued for writing + rows on disk), and finished into BackendStats. The definitions of each
 * statistic live here, once, for both paths:
 * - latency and speed cover non-cached successful generations only (GENERATED, cache tier
 *   'none'): a cache hit says nothing about the backend's speed, and errors and cancellations
 *   have no complete timing;
 * - shown counts every completion that reached the screen (SHOWN: its outcome may have moved on
 *   to accepted, partial or rejected); acceptance rate = (accepted + partial) / shown;
 * - token sums and cost count only tokens a backend processed (cache tier 'none');
 * - rows with no backend (failed before routing chose one) belong to no backend.
 */
import type { BackendId, BackendStats, Outcome, RequestRow } from '../protocol';
import { requestCostUsd } from './cost';
import { summarize } from './percentiles';

export const GENERATED_OUTCOMES: readonly Outcome[] = [
  'shown',
  'accepted',
  'partial',
  'rejected',
  'empty',
  'answered',
];
export const SHOWN_OUTCOMES: readonly Outcome[] = ['shown', 'accepted', 'partial', 'rejected'];
const GENERATED: ReadonlySet<Outcome> = new Set(GENERATED_OUTCOMES);
const SHOWN: ReadonlySet<Outcome> = new Set(SHOWN_OUTCOMES);

export interface BackendTally {
  backend: BackendId;
  models: Set<string>;
  requests: number;
  errors: number;
  cancelled: number;
  fallbacks: number;
  cacheHits: number;
  shown: number;
  accepted: number;
  partiallyAccepted: number;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number[];
  e2eMs: number[];
  tokensPerSecond: number[];
}

export type Tallies = Map<BackendId, BackendTally>;

export function emptyTally(backend: BackendId): BackendTally {
  return {
    backend,
    models: new Set(),
    requests: 0,
    errors: 0,
    cancelled: 0,
    fallbacks: 0,
    cacheHits: 0,
    shown: 0,
    accepted: 0,
    partiallyAccepted: 0,
    promptTokens: 0,
    completionTokens: 0,
    ttftMs: [],
    e2eMs: [],
    tokensPerSecond: [],
  };
}

export function tallyOf(tallies: Tallies, backend: BackendId): BackendTally {
  let tally = tallies.get(backend);
  if (!tally) {
    tally = emptyTally(backend);
    tallies.set(backend, tally);
  }
  return tally;
}

export function tallyRows(rows: Iterable<RequestRow>, into: Tallies = new Map()): Tallies {
  for (const row of rows) {
    if (row.backend === null) continue;
    const tally = tallyOf(into, row.backend);
    if (row.model) tally.models.add(row.model);
    tally.requests++;
    countOutcome(tally, row.outcome, 1);
    if (row.fallbackReason !== null) tally.fallbacks++;
    if (row.cacheTier !== 'none') {
      tally.cacheHits++;
      continue;
    }
    tally.promptTokens += row.promptTokens ?? 0;
    tally.completionTokens += row.completionTokens ?? 0;
    if (!GENERATED.has(row.outcome)) continue;
    if (row.ttftMs !== null) tally.ttftMs.push(row.ttftMs);
    if (row.e2eMs !== null) tally.e2eMs.push(row.e2eMs);
    if (row.tokensPerSecond !== null) tally.tokensPerSecond.push(row.tokensPerSecond);
  }
  return into;
}

/** The counters that depend on a row's outcome; `sign` -1 takes a row's outcome back out. */
export function countOutcome(tally: BackendTally, outcome: Outcome, sign: 1 | -1): void {
  if (outcome === 'error') tally.errors += sign;
  if (outcome === 'cancelled') tally.cancelled += sign;
  if (SHOWN.has(outcome)) tally.shown += sign;
  if (outcome === 'accepted') tally.accepted += sign;
  if (outcome === 'partial') tally.partiallyAccepted += sign;
}

export function isGenerated(outcome: Outcome): boolean {
  return GENERATED.has(outcome);
}

/** Adds `extra` into `into` and returns it. */
export function mergeTallies(into: Tallies, extra: Tallies): Tallies {
  for (const [backend, more] of extra) {
    const tally = tallyOf(into, backend);
    for (const model of more.models) tally.models.add(model);
    tally.requests += more.requests;
    tally.errors += more.errors;
    tally.cancelled += more.cancelled;
    tally.fallbacks += more.fallbacks;
    tally.cacheHits += more.cacheHits;
    tally.shown += more.shown;
    tally.accepted += more.accepted;
    tally.partiallyAccepted += more.partiallyAccepted;
    tally.promptTokens += more.promptTokens;
    tally.completionTokens += more.completionTokens;
    for (const value of more.ttftMs) tally.ttftMs.push(value);
    for (const value of more.e2eMs) tally.e2eMs.push(value);
    for (const value of more.tokensPerSecond) tally.tokensPerSecond.push(value);
  }
  return into;
}

/** One entry per backend, sorted by backend id. */
export function finishTallies(tallies: Tallies, pricePerMillionTokens: number): BackendStats[] {
  return [...tallies.values()]
    .sort((a, b) => a.backend.localeCompare(b.backend))
    .map((tally) => ({
      backend: tally.backend,
      // One backend may have served several models over the window; name them all.
      model: [...tally.models].sort().join(', '),
      requests: tally.requests,
      errors: tally.errors,
      cancelled: tally.cancelled,
      fallbacks: tally.fallbacks,
      cacheHits: tally.cacheHits,
      cacheHitRate: ratio(tally.cacheHits, tally.requests),
      ttftMs: summarize(tally.ttftMs),
      e2eMs: summarize(tally.e2eMs),
      tokensPerSecond: summarize(tally.tokensPerSecond),
      shown: tally.shown,
      accepted: tally.accepted,
      partiallyAccepted: tally.partiallyAccepted,
      acceptanceRate: ratio(tally.accepted + tally.partiallyAccepted, tally.shown),
      promptTokens: tally.promptTokens,
      completionTokens: tally.completionTokens,
      costUsd: requestCostUsd(
        tally.backend,
        tally.promptTokens,
        tally.completionTokens,
        pricePerMillionTokens,
      ),
    }));
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
