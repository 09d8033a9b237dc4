/**
 * Per-backend statistics from request rows: RequestRow[] → BackendStats[]. The definitions of
 * every statistic are in tally.ts, shared with the SQL path the metrics store uses for large
 * windows, so both give the same numbers.
 */
import type { BackendStats, RequestRow } from '../protocol';
import { finishTallies, tallyRows } from './tally';

export interface AggregateOptions {
  /** USD per million offload tokens. */
  pricePerMillionTokens: number;
}

export function aggregateByBackend(
  rows: readonly RequestRow[],
  options: AggregateOptions,
): BackendStats[] {
  return finishTallies(tallyRows(rows), options.pricePerMillionTokens);
}
