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
  return summarizeSorted(sortedFinite(values));
}

/** The finite values, ascending. A typed array sorts numerically without a comparator: several
 * times faster than an array on 100k values. */
export function sortedFinite(values: Iterable<number>): Float64Array {
  const finite: number[] = [];
  for (const value of values) if (Number.isFinite(value)) finite.push(value);
  return Float64Array.from(finite).sort();
}

/**
 * One ascending array of every value of `runs`, each ascending already: merged pairwise, so k
 * runs of n values in all cost n × log2(k) steps instead of a sort of n. The snapshot's
 * cached time buckets (bucketedAggregates.ts) keep their values as such runs.
 */
export function mergeSortedRuns(runs: readonly Float64Array[]): Float64Array {
  let level = runs.filter((run) => run.length > 0);
  if (level.length === 0) return new Float64Array(0);
  while (level.length > 1) {
    const next: Float64Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i] as Float64Array;
      const b = level[i + 1];
      next.push(b ? mergeTwo(a, b) : a);
    }
    level = next;
  }
  return level[0] as Float64Array;
}

function mergeTwo(a: Float64Array, b: Float64Array): Float64Array {
  const merged = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) merged[k++] = (a[i] as number) <= (b[j] as number) ? (a[i++] as number) : (b[j++] as number);
  merged.set(a.subarray(i), k);
  merged.set(b.subarray(j), k + a.length - i);
  return merged;
}

/** The summary of `sorted` (ascending, finite values only: see sortedFinite). */
export function summarizeSorted(sorted: Float64Array): LatencySummary {
  if (sorted.length === 0) return { ...EMPTY_SUMMARY };
  const sum = sumOf(sorted);
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

/** Sums of runs already summed: a cached run is summarized at every snapshot. Runs never change. */
const runSums = new WeakMap<Float64Array, number>();

function sumOf(run: Float64Array): number {
  let sum = runSums.get(run);
  if (sum === undefined) {
    sum = 0;
    for (let i = 0; i < run.length; i++) sum += run[i] as number;
    runSums.set(run, sum);
  }
  return sum;
}

/**
 * The summary of the union of sorted runs, without merging them: each percentile's ranks are
 * selected across the runs by binary search (cost independent of how many values they hold),
 * and the mean is the runs' (cached) sums over the count. The same figures as summarizeSorted
 * of their merge, the mean up to float rounding.
 */
export function summarizeRuns(runs: readonly Float64Array[]): LatencySummary {
  const live = runs.filter((run) => run.length > 0);
  if (live.length <= 1) return summarizeSorted(live[0] ?? new Float64Array(0));
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const run of live) {
    count += run.length;
    sum += sumOf(run);
    min = Math.min(min, run[0] as number);
    max = Math.max(max, run[run.length - 1] as number);
  }
  const at = (p: number) => {
    const rank = p * (count - 1);
    const lower = Math.floor(rank);
    const low = kth(live, lower);
    const high = rank === lower ? low : kth(live, Math.ceil(rank));
    return low + (high - low) * (rank - lower);
  };
  return { count, mean: sum / count, min, max, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99) };
}

/** The k-th smallest value (0-based) of the runs' union. */
function kth(runs: readonly Float64Array[], k: number): number {
  for (const run of runs) {
    let lo = 0;
    let hi = run.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = run[mid] as number;
      let less = 0;
      let notGreater = 0;
      for (const other of runs) {
        less += bound(other, value, false);
        notGreater += bound(other, value, true);
      }
      if (k < less) hi = mid - 1;
      else if (k >= notGreater) lo = mid + 1;
      else return value;
    }
  }
  throw new RangeError(`rank ${k} is outside the runs`);
}

/** How many values of `run` are < value (or <= value when `inclusive`). */
function bound(run: Float64Array, value: number, inclusive: boolean): number {
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = run[mid] as number;
    if (x < value || (inclusive && x === value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
