/**
 * The definitions of every per-backend statistic, as SQL over the `requests` table (SPEC11
 * "Aggregate definitions"). This is the only place they are written: rows on disk and rows still
 * queued for it (written to an in-memory database with the same schema) go through these same
 * statements, and tally.ts only adds and finishes what they return.
 *
 * - Primary rows only: shadow rows (shadow_of set) are compared apart (shadowStats.ts).
 * - Groups are (backend, task); rows without a backend (ended before routing chose one) are
 *   counted in `beforeRouting`.
 * - Latency and speed cover non-cached generations (GENERATED outcomes, cache tier 'none'): a
 *   cache hit says nothing about the backend's speed, and errors and cancellations have no
 *   complete timing. ITL is summarized over each request's mean gap.
 * - returned: the answer reached the editor; shown: the editor reported it displayed
 *   (tally.ts uses `returned` instead when the editor sends no display events).
 * - typed out: the user typed the whole suggestion instead of accepting it.
 * - Token sums count only tokens a backend processed (cache tier 'none'); cost is the rows'
 *   stored cost (metrics/cost.ts priced each row when it was recorded).
 */
import type Database from 'better-sqlite3';
import type { BackendId, Outcome, Task } from '../protocol';
import type { RowQuery } from './rowStore';
import { sortedFinite } from './percentiles';
import {
  BEFORE_ROUTING_FIELDS,
  emptyAggregate,
  emptyTally,
  LATENCY_FIELDS,
  type GroupTally,
  type LatencyField,
  type StoreAggregate,
} from './tally';

export const GENERATED_OUTCOMES: readonly Outcome[] = ['shown', 'accepted', 'partial', 'rejected', 'empty', 'answered'];
export const RETURNED_OUTCOMES: readonly Outcome[] = ['shown', 'accepted', 'partial', 'rejected'];

const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** The window and filters of a RowQuery, as bound by `queryParams`. Both bounds are plain
 * comparisons, so the ts index bounds the scan at both ends (an `@untilMs IS NULL OR …` would
 * scan from sinceMs to the newest row). */
export const QUERY_WHERE = `ts >= @sinceMs AND ts < @untilMs
  AND (@task IS NULL OR task = @task) AND (@language IS NULL OR language = @language)
  AND (@backend IS NULL OR backend = @backend)`;

export type QueryParams = Record<'sinceMs' | 'untilMs' | 'task' | 'language' | 'backend', number | string | null>;

/** No upper bound: later than any timestamp. */
const NO_UNTIL = Number.MAX_SAFE_INTEGER;

export function queryParams(query: RowQuery): QueryParams {
  return {
    sinceMs: query.sinceMs,
    untilMs: query.untilMs ?? NO_UNTIL,
    task: query.task ?? null,
    language: query.language ?? null,
    backend: query.backend ?? null,
  };
}

/**
 * Every statement groups by time bucket too (`CAST(ts / @bucketMs AS INTEGER)`): one pass yields
 * the tallies of each bucket (bucketedAggregates.ts caches them), and a plain window binds a
 * bucket wider than any timestamp, so its rows are one bucket.
 */
const GROUPS_SQL = `
  SELECT CAST(ts / @bucketMs AS INTEGER) AS bucket, backend, task,
    json_group_array(DISTINCT model) AS models,
    COUNT(*) AS requests,
    TOTAL(outcome = 'error') AS errors,
    TOTAL(outcome = 'error' AND error_class = 'TimeoutError') AS timeouts,
    TOTAL(outcome = 'cancelled') AS cancelled,
    TOTAL(fallback_reason IS NOT NULL) AS fallbacks,
    TOTAL(cache_tier != 'none') AS cacheHits,
    TOTAL(cache_tier = 'l1') AS l1Hits,
    TOTAL(cache_tier = 'l2') AS l2Hits,
    TOTAL(cache_tier = 'typing') AS typingHits,
    TOTAL(outcome IN (${sqlList(RETURNED_OUTCOMES)})) AS returned,
    TOTAL(displayed = 1) AS displayed,
    TOTAL(outcome = 'accepted') AS accepted,
    TOTAL(outcome = 'partial') AS partiallyAccepted,
    TOTAL(shown_chars > 0 AND typed_chars >= shown_chars AND outcome NOT IN ('accepted', 'partial')) AS typedOut,
    TOTAL(outcome = 'rejected') AS rejected,
    TOTAL(shown_chars) AS shownChars,
    TOTAL(accepted_chars) AS acceptedChars,
    TOTAL(typed_chars) AS typedChars,
    COUNT(survival_30s) AS survival30sCount,
    TOTAL(survival_30s) AS survival30sSum,
    COUNT(survival_120s) AS survival120sCount,
    TOTAL(survival_120s) AS survival120sSum,
    COUNT(syntax_error) AS syntaxChecked,
    TOTAL(syntax_error) AS syntaxErrors,
    TOTAL(feedback = 1) AS feedbackUp,
    TOTAL(feedback = -1) AS feedbackDown,
    COUNT(grounding) AS groundingCount,
    TOTAL(grounding) AS groundingSum,
    TOTAL(CASE WHEN cache_tier = 'none' THEN prompt_tokens END) AS promptTokens,
    TOTAL(CASE WHEN cache_tier = 'none' THEN completion_tokens END) AS completionTokens,
    TOTAL(cost_usd) AS costUsd
  FROM requests
  WHERE ${QUERY_WHERE} AND shadow_of IS NULL
  GROUP BY bucket, backend, task`;

/** Raw tuples, not row objects: a day of rows may be 100k values per column. The columns follow
 * tally.ts LATENCY_FIELDS. */
const LATENCIES_SQL = `
  SELECT CAST(ts / @bucketMs AS INTEGER) AS bucket, backend, task, ttft_ms, tpot_ms, itl_mean_ms, e2e_ms, decode_tokens_per_second, prompt_tokens_per_second
  FROM requests
  WHERE ${QUERY_WHERE} AND shadow_of IS NULL AND backend IS NOT NULL AND cache_tier = 'none'
    AND outcome IN (${sqlList(GENERATED_OUTCOMES)})`;

/** Every language of the time window, whatever the other filters: the panel offers them all.
 * Shadow rows share their shown row's language, so the covering index (ts, language) serves it. */
const LANGUAGES_SQL = `
  SELECT DISTINCT CAST(ts / @bucketMs AS INTEGER) AS bucket, language FROM requests
  WHERE ts >= @sinceMs AND ts < @untilMs
  ORDER BY language`;

type GroupRow = Omit<
  GroupTally,
  'backend' | 'models' | 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs' | 'decodeTokensPerSecond' | 'promptTokensPerSecond'
> & {
  bucket: number;
  /** NULL: the rows that ended before routing chose a backend. */
  backend: BackendId | null;
  models: string;
};
type LatencyTuple = [number, BackendId, Task, ...Array<number | null>];
type BucketParams = QueryParams & { bucketMs: number };

/** A plain window's bucket: wider than any timestamp, so every row is in bucket 0. */
const ONE_BUCKET = Number.MAX_SAFE_INTEGER;

function emptyLists(): Record<LatencyField, number[]> {
  return { ttftMs: [], tpotMs: [], itlMs: [], e2eMs: [], decodeTokensPerSecond: [], promptTokensPerSecond: [] };
}

/** The prepared statements of one database; `run` computes a StoreAggregate. */
export class AggregateStatements {
  private readonly groups: Database.Statement<[BucketParams], GroupRow>;
  private readonly latencies: Database.Statement<[BucketParams], LatencyTuple>;
  private readonly languages: Database.Statement<[BucketParams], { bucket: number; language: string }>;

  constructor(db: Database.Database) {
    this.groups = db.prepare(GROUPS_SQL);
    this.latencies = db.prepare(LATENCIES_SQL).raw() as unknown as Database.Statement<[BucketParams], LatencyTuple>;
    this.languages = db.prepare(LANGUAGES_SQL);
  }

  run(query: RowQuery): StoreAggregate {
    return this.runBuckets(query, ONE_BUCKET).get(0) ?? emptyAggregate();
  }

  /** The tallies of `query`'s rows per bucket of `bucketMs` (key: bucket start, a multiple of
   * bucketMs); buckets without rows are absent. */
  runBuckets(query: RowQuery, bucketMs: number): Map<number, StoreAggregate> {
    const params: BucketParams = { ...queryParams(query), bucketMs: Math.floor(bucketMs) };
    const buckets = new Map<number, StoreAggregate>();
    const bucketOf = (bucket: number) => {
      let aggregate = buckets.get(bucket);
      if (!aggregate) buckets.set(bucket, (aggregate = emptyAggregate()));
      return aggregate;
    };
    const groups = new Map<string, GroupTally>();
    const key = (bucket: number, backend: BackendId, task: Task) => `${bucket}\u0000${backend}\u0000${task}`;
    for (const { bucket, models, backend, ...counts } of this.groups.all(params)) {
      const aggregate = bucketOf(bucket);
      if (backend === null) {
        // One group per task: before routing counts both together.
        for (const field of BEFORE_ROUTING_FIELDS) aggregate.beforeRouting[field] += counts[field];
        continue;
      }
      const tally = Object.assign(emptyTally(backend, counts.task), counts);
      for (const model of JSON.parse(models) as Array<string | null>) if (model !== null) tally.models.add(model);
      groups.set(key(bucket, backend, counts.task), tally);
      aggregate.groups.push(tally);
    }
    // Collected per group, then kept as one sorted run per field (tally.ts SortedRuns).
    const values = new Map<GroupTally, Record<LatencyField, number[]>>();
    for (const [bucket, backend, task, ...latencies] of this.latencies.iterate(params)) {
      const tally = groups.get(key(bucket, backend, task));
      if (!tally) continue;
      let lists = values.get(tally);
      if (!lists) values.set(tally, (lists = emptyLists()));
      // LATENCIES_SQL selects the columns in LATENCY_FIELDS order.
      LATENCY_FIELDS.forEach((field, index) => {
        const value = latencies[index];
        if (value != null) lists[field].push(value);
      });
    }
    for (const [tally, lists] of values) for (const field of LATENCY_FIELDS) tally[field] = [sortedFinite(lists[field])];
    // LANGUAGES_SQL binds only the time window (sorted by language, so each bucket's list is).
    for (const { bucket, language } of this.languages.all({ ...params, task: null, language: null, backend: null })) {
      bucketOf(bucket).languages.push(language);
    }
    // Keyed by bucket start; a plain window's one bucket stays 0.
    const byStart = new Map<number, StoreAggregate>();
    for (const [bucket, aggregate] of buckets) byStart.set(bucketMs === ONE_BUCKET ? 0 : bucket * params.bucketMs, aggregate);
    return byStart;
  }
}
