/**
 * The intermediate form of the per-backend statistics: counts, sums and raw latency values of one
 * group of rows (backend × task). The store computes them in SQL (aggregateSql.ts holds every
 * definition, once); tallies from different row stores (the database and the rows still queued
 * for it) and of different time buckets (bucketedAggregates.ts) are merged here, and finished into
 * the protocol's BackendStats. Nothing here looks at a row: the only aggregation path is the SQL.
 *
 * Latency values are kept as sorted runs (one per merged tally): a merge only adds runs, and the
 * finish selects percentiles across them (percentiles.ts summarizeRuns) instead of sorting every
 * value again.
 */
import type { BackendId, BackendStats, BeforeRoutingStats, Task } from '../protocol';
import { mergeSortedRuns, summarizeRuns } from './percentiles';

/** Counts and sums, named as the SQL in aggregateSql.ts names its columns. */
export const COUNT_FIELDS = [
  'requests',
  'errors',
  'timeouts',
  'cancelled',
  'fallbacks',
  'cacheHits',
  'l1Hits',
  'l2Hits',
  'typingHits',
  'returned',
  'displayed',
  'accepted',
  'partiallyAccepted',
  'typedOut',
  'rejected',
  'shownChars',
  'acceptedChars',
  'typedChars',
  'survival30sCount',
  'survival30sSum',
  'survival120sCount',
  'survival120sSum',
  'syntaxChecked',
  'syntaxErrors',
  'feedbackUp',
  'feedbackDown',
  'groundingCount',
  'groundingSum',
  'promptTokens',
  'completionTokens',
  'costUsd',
] as const;

/** The latency and speed values summarized into percentiles. */
export const LATENCY_FIELDS = ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs', 'decodeTokensPerSecond', 'promptTokensPerSecond'] as const;

export type CountField = (typeof COUNT_FIELDS)[number];
export type LatencyField = (typeof LATENCY_FIELDS)[number];

/** Latency values of a tally: runs, each ascending and finite (percentiles.ts sortedFinite). */
export type SortedRuns = Float64Array[];

export type GroupTally = { backend: BackendId; task: Task; models: Set<string> } & Record<CountField, number> &
  Record<LatencyField, SortedRuns>;

/** The before-routing counts that come from rows (`superseded` and `excluded` are process
 * counters: unrecordedRequests.ts). */
export const BEFORE_ROUTING_FIELDS = ['requests', 'cancelled', 'errors'] as const;
export type RowBeforeRouting = Pick<BeforeRoutingStats, (typeof BEFORE_ROUTING_FIELDS)[number]>;

/** What one row store yields for one window. */
export interface StoreAggregate {
  groups: GroupTally[];
  beforeRouting: RowBeforeRouting;
  languages: string[];
}

export function emptyTally(backend: BackendId, task: Task): GroupTally {
  const tally = { backend, task, models: new Set<string>() } as GroupTally;
  for (const field of COUNT_FIELDS) tally[field] = 0;
  for (const field of LATENCY_FIELDS) tally[field] = [];
  return tally;
}

export function emptyAggregate(): StoreAggregate {
  return { groups: [], beforeRouting: { requests: 0, cancelled: 0, errors: 0 }, languages: [] };
}

/** Adds `more` into `into` and returns it. */
export function mergeTally(into: GroupTally, more: GroupTally): GroupTally {
  for (const model of more.models) into.models.add(model);
  for (const field of COUNT_FIELDS) into[field] += more[field];
  // The runs are shared, not copied: nothing changes a run once made.
  for (const field of LATENCY_FIELDS) into[field].push(...more[field]);
  return into;
}

/** The same tally with each latency field as one run: what a cache keeps, so each later finish
 * merges one run per cached span instead of one per bucket. */
export function compactTally(tally: GroupTally): GroupTally {
  const compact = { ...tally, models: new Set(tally.models) };
  for (const field of LATENCY_FIELDS) compact[field] = [mergeSortedRuns(tally[field])];
  return compact;
}

/** The groups of all, one per (backend, task); no input is changed. */
export function mergeAggregates(...aggregates: StoreAggregate[]): StoreAggregate {
  const groups = new Map<string, GroupTally>();
  const beforeRouting = emptyAggregate().beforeRouting;
  const languages = new Set<string>();
  for (const aggregate of aggregates) {
    for (const group of aggregate.groups) {
      const key = `${group.backend}\u0000${group.task}`;
      const into = groups.get(key) ?? emptyTally(group.backend, group.task);
      groups.set(key, mergeTally(into, group));
    }
    for (const field of BEFORE_ROUTING_FIELDS) beforeRouting[field] += aggregate.beforeRouting[field];
    for (const language of aggregate.languages) languages.add(language);
  }
  return { groups: [...groups.values()], beforeRouting, languages: [...languages].sort() };
}

/** The aggregate with every tally compacted (compactTally). */
export function compactAggregate(aggregate: StoreAggregate): StoreAggregate {
  return { ...aggregate, groups: aggregate.groups.map(compactTally) };
}

export interface FinishedStats {
  /** Per backend, both tasks together (task 'all'), sorted by backend. */
  backends: BackendStats[];
  /** Per backend and task, sorted by backend then task. */
  byTask: BackendStats[];
}

/** `showEvents`: the editor reports displays, so acceptance is over displayed, not returned. */
export function finishAggregate(aggregate: StoreAggregate, showEvents: boolean): FinishedStats {
  const byTask = [...aggregate.groups].sort((a, b) => a.backend.localeCompare(b.backend) || a.task.localeCompare(b.task));
  const perBackend = new Map<BackendId, GroupTally>();
  for (const group of byTask) {
    // The task of a merged tally is not read: finishTally labels it 'all'.
    const into = perBackend.get(group.backend) ?? emptyTally(group.backend, group.task);
    perBackend.set(group.backend, mergeTally(into, group));
  }
  return {
    backends: [...perBackend.values()].map((tally) => finishTally(tally, 'all', showEvents)),
    byTask: byTask.map((tally) => finishTally(tally, tally.task, showEvents)),
  };
}

function finishTally(tally: GroupTally, task: Task | 'all', showEvents: boolean): BackendStats {
  const shown = showEvents ? tally.displayed : tally.returned;
  return {
    backend: tally.backend,
    task,
    // One backend may have served several models over the window; name them all.
    model: [...tally.models].sort().join(', '),
    requests: tally.requests,
    errors: tally.errors,
    timeouts: tally.timeouts,
    cancelled: tally.cancelled,
    fallbacks: tally.fallbacks,
    cacheHits: tally.cacheHits,
    cacheHitsByTier: { l1: tally.l1Hits, l2: tally.l2Hits, typing: tally.typingHits },
    cacheHitRate: ratio(tally.cacheHits, tally.requests),
    ttftMs: summarizeRuns(tally.ttftMs),
    tpotMs: summarizeRuns(tally.tpotMs),
    itlMs: summarizeRuns(tally.itlMs),
    e2eMs: summarizeRuns(tally.e2eMs),
    decodeTokensPerSecond: summarizeRuns(tally.decodeTokensPerSecond),
    promptTokensPerSecond: summarizeRuns(tally.promptTokensPerSecond),
    returned: tally.returned,
    shown,
    accepted: tally.accepted,
    partiallyAccepted: tally.partiallyAccepted,
    typedOut: tally.typedOut,
    rejected: tally.rejected,
    acceptanceRate: ratio(tally.accepted + tally.partiallyAccepted, shown),
    shownChars: tally.shownChars,
    acceptedChars: tally.acceptedChars,
    typedChars: tally.typedChars,
    charAcceptanceRate: ratio(tally.acceptedChars, tally.shownChars),
    survival30s: mean(tally.survival30sCount, tally.survival30sSum),
    survival120s: mean(tally.survival120sCount, tally.survival120sSum),
    syntaxChecked: tally.syntaxChecked,
    syntaxErrors: tally.syntaxErrors,
    feedbackUp: tally.feedbackUp,
    feedbackDown: tally.feedbackDown,
    grounding: mean(tally.groundingCount, tally.groundingSum),
    promptTokens: tally.promptTokens,
    completionTokens: tally.completionTokens,
    costUsd: tally.costUsd,
    costPer1kRequests: ratio(1000 * tally.costUsd, tally.requests),
    costPer1kAcceptedChars: ratio(1000 * tally.costUsd, tally.acceptedChars),
  };
}

function mean(count: number, sum: number): { count: number; mean: number } {
  return { count, mean: ratio(sum, count) };
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
