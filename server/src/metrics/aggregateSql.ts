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
import { emptyTally, type GroupTally, type StoreAggregate } from './tally';

export const GENERATED_OUTCOMES: readonly Outcome[] = ['shown', 'accepted', 'partial', 'rejected', 'empty', 'answered'];
export const RETURNED_OUTCOMES: readonly Outcome[] = ['shown', 'accepted', 'partial', 'rejected'];

const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** The window and filters of a RowQuery, as bound by `queryParams`. */
export const QUERY_WHERE = `ts >= @sinceMs AND (@untilMs IS NULL OR ts < @untilMs)
  AND (@task IS NULL OR task = @task) AND (@language IS NULL OR language = @language)
  AND (@backend IS NULL OR backend = @backend)`;

export type QueryParams = Record<'sinceMs' | 'untilMs' | 'task' | 'language' | 'backend', number | string | null>;

export function queryParams(query: RowQuery): QueryParams {
  return {
    sinceMs: query.sinceMs,
    untilMs: query.untilMs ?? null,
    task: query.task ?? null,
    language: query.language ?? null,
    backend: query.backend ?? null,
  };
}

const GROUPS_SQL = `
  SELECT backend, task,
    json_group_array(DISTINCT model) AS models,
    COUNT(*) AS requests,
    TOTAL(outcome = 'error') AS errors,
    TOTAL(outcome = 'error' AND error_class = 'TimeoutError') AS timeouts,
    TOTAL(outcome = 'cancelled') AS cancelled,
    TOTAL(fallback_reason IS NOT NULL) AS fallbacks,
    TOTAL(cache_tier != 'none') AS cacheHits,
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
  GROUP BY backend, task`;

/** Raw tuples, not row objects: a day of rows may be 100k values per column. */
const LATENCIES_SQL = `
  SELECT backend, task, ttft_ms, tpot_ms, itl_mean_ms, e2e_ms, decode_tokens_per_second, prompt_tokens_per_second
  FROM requests
  WHERE ${QUERY_WHERE} AND shadow_of IS NULL AND backend IS NOT NULL AND cache_tier = 'none'
    AND outcome IN (${sqlList(GENERATED_OUTCOMES)})`;

/** Every language of the time window, whatever the other filters: the panel offers them all.
 * Shadow rows share their shown row's language, so the covering index (ts, language) serves it. */
const LANGUAGES_SQL = `
  SELECT DISTINCT language FROM requests
  WHERE ts >= @sinceMs AND (@untilMs IS NULL OR ts < @untilMs)
  ORDER BY language`;

type GroupRow = Omit<GroupTally, 'backend' | 'models' | 'ttftMs' | 'tpotMs' | 'itlMs' | 'e2eMs' | 'decodeTokensPerSecond' | 'promptTokensPerSecond'> & {
  /** NULL: the rows that ended before routing chose a backend. */
  backend: BackendId | null;
  models: string;
};
type LatencyTuple = [BackendId, Task, ...Array<number | null>];

/** The prepared statements of one database; `run` computes a StoreAggregate. */
export class AggregateStatements {
  private readonly groups: Database.Statement<[QueryParams], GroupRow>;
  private readonly latencies: Database.Statement<[QueryParams], LatencyTuple>;
  private readonly languages: Database.Statement<[QueryParams], string>;

  constructor(db: Database.Database) {
    this.groups = db.prepare(GROUPS_SQL);
    this.latencies = db.prepare(LATENCIES_SQL).raw() as unknown as Database.Statement<[QueryParams], LatencyTuple>;
    this.languages = db.prepare(LANGUAGES_SQL).pluck() as unknown as Database.Statement<[QueryParams], string>;
  }

  run(query: RowQuery): StoreAggregate {
    const params = queryParams(query);
    const groups = new Map<string, GroupTally>();
    const key = (backend: BackendId, task: Task) => `${backend}\u0000${task}`;
    const beforeRouting = { requests: 0, cancelled: 0, errors: 0 };
    for (const { models, backend, ...counts } of this.groups.all(params)) {
      if (backend === null) {
        // One group per task: before routing counts both together.
        beforeRouting.requests += counts.requests;
        beforeRouting.cancelled += counts.cancelled;
        beforeRouting.errors += counts.errors;
        continue;
      }
      const tally = Object.assign(emptyTally(backend, counts.task), counts);
      for (const model of JSON.parse(models) as Array<string | null>) if (model !== null) tally.models.add(model);
      groups.set(key(backend, counts.task), tally);
    }
    for (const [backend, task, ttft, tpot, itl, e2e, decode, prompt] of this.latencies.iterate(params)) {
      const tally = groups.get(key(backend, task));
      if (!tally) continue;
      if (ttft != null) tally.ttftMs.push(ttft);
      if (tpot != null) tally.tpotMs.push(tpot);
      if (itl != null) tally.itlMs.push(itl);
      if (e2e != null) tally.e2eMs.push(e2e);
      if (decode != null) tally.decodeTokensPerSecond.push(decode);
      if (prompt != null) tally.promptTokensPerSecond.push(prompt);
    }
    // LANGUAGES_SQL binds only the time window.
    const languages = this.languages.all({ ...params, task: null, language: null, backend: null });
    return { groups: [...groups.values()], beforeRouting, languages };
  }
}
