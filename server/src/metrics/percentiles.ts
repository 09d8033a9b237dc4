/**
 * Latency summaries. Percentiles use linear interpolation between closest ranks (rank =
 * p × (n − 1), the default of numpy.percentile and of vLLM's benchmark scripts), so reports
 * from Tandem and from those tools can be compared figure for figure.
 */
import type { LatencySummary } from '../protocol';

export const EMPTY_SUMMARY: Readonly<LatencySummary> = Object.freeze({
  count: 0,
  mean: 0,
  min: 0,
  max: 0,
  p50: 0,
  p90: 0,
  p95: 0,
  p99: 0,
});

/** `sorted` must be ascending and non-empty; `p` in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile ${p} is outside [0, 1]`);
  const rank = p * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** Non-finite values (NaN, ±Infinity) are measurement gaps, not latencies: they are skipped. */
export function summarize(values: Iterable<number>): LatencySummary {
  const finite: number[] = [];
  for (const value of values) if (Number.isFinite(value)) finite.push(value);
  if (finite.length === 0) return { ...EMPTY_SUMMARY };
  // A typed array sorts numerically without a comparator: several times faster on 100k values.
  const sorted = Float64Array.from(finite).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}
