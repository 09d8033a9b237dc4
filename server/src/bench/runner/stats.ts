/**
 * Statistics of the benchmark runner. Percentiles come from metrics/percentiles.ts (the one
 * definition: linear interpolation, numpy's default); this file adds what a benchmark needs on
 * top: the sample standard deviation, goodput against SLOs, a least-squares line with the
 * slope's standard error (leak rate), and seeded bootstrap confidence intervals (--compare).
 */
import type { LatencySummary } from '../../protocol';
import { percentile, summarize } from '../../metrics/percentiles';
import { seededRandom } from '../../seededRandom';

/** A latency summary plus the sample standard deviation (n − 1 in the denominator). */
export interface Distribution extends LatencySummary {
  std: number;
}

function finite(values: Iterable<number>): number[] {
  const kept: number[] = [];
  for (const value of values) if (Number.isFinite(value)) kept.push(value);
  return kept;
}

export function mean(values: Iterable<number>): number {
  const kept = finite(values);
  if (kept.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of kept) sum += value;
  return sum / kept.length;
}

/** Sample standard deviation (Bessel's n − 1, numpy's std(ddof=1)); 0 with fewer than 2 values. */
export function std(values: Iterable<number>): number {
  const kept = finite(values);
  if (kept.length < 2) return 0;
  const m = mean(kept);
  let squares = 0;
  for (const value of kept) squares += (value - m) ** 2;
  return Math.sqrt(squares / (kept.length - 1));
}

export function describe(values: Iterable<number>): Distribution {
  const kept = finite(values);
  return { ...summarize(kept), std: std(kept) };
}

export interface Slo {
  ttftMs: number;
  e2eMs: number;
}

export interface GoodputInput {
  ok: boolean;
  ttftMs: number;
  e2eMs: number;
}

export interface Goodput {
  /** Requests that succeeded within both SLOs. */
  goodRequests: number;
  /** goodRequests ÷ all requests (0 when there were none). */
  fraction: number;
  /** goodRequests ÷ the run's wall time, requests per second (DistServe's / vLLM's goodput). */
  requestsPerSecond: number;
}

export function goodput(samples: readonly GoodputInput[], slo: Slo, durationS: number): Goodput {
  const goodRequests = samples.filter((s) => s.ok && s.ttftMs <= slo.ttftMs && s.e2eMs <= slo.e2eMs).length;
  return {
    goodRequests,
    fraction: samples.length > 0 ? goodRequests / samples.length : 0,
    requestsPerSecond: durationS > 0 ? goodRequests / durationS : 0,
  };
}

export interface LinearFit {
  n: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope: sqrt(SSE / (n − 2) / Σ(x − x̄)²); NaN with fewer than 3 points. */
  slopeStdError: number;
}

/** Ordinary least squares y = intercept + slope · x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) throw new RangeError('linearFit: x and y differ in length');
  const n = xs.length;
  if (n < 2) return { n, slope: Number.NaN, intercept: Number.NaN, slopeStdError: Number.NaN };
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - my);
  }
  if (sxx === 0) return { n, slope: Number.NaN, intercept: Number.NaN, slopeStdError: Number.NaN };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - intercept - slope * (xs[i] as number)) ** 2;
  const slopeStdError = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { n, slope, intercept, slopeStdError };
}

export interface ConfidenceInterval {
  /** The statistic on the data itself. */
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Two-sided level, e.g. 0.95. */
  confidence?: number;
  seed?: number;
}

export type Statistic = (sorted: Float64Array) => number;

/** The statistics `--compare` bootstraps; each receives an ascending sample. */
export const STATISTICS = {
  p50: (sorted: Float64Array) => percentile(sorted, 0.5),
  p95: (sorted: Float64Array) => percentile(sorted, 0.95),
  mean: (sorted: Float64Array) => mean(sorted),
} satisfies Record<string, Statistic>;

/**
 * Percentile bootstrap: `resamples` resamples with replacement (drawn with the seeded
 * mulberry32 generator, so the interval is the same on every run), the statistic of each, and
 * the (1 − confidence)/2 and (1 + confidence)/2 percentiles of those. NaNs when `values` is empty.
 */
export function bootstrapCi(values: readonly number[], statistic: Statistic, options: BootstrapOptions = {}): ConfidenceInterval {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const data = Float64Array.from(finite(values)).sort();
  if (data.length === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, confidence, resamples };
  const random = seededRandom(options.seed ?? 1);
  const stats = new Float64Array(resamples);
  const draw = new Float64Array(data.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < data.length; i++) draw[i] = data[Math.floor(random() * data.length)] as number;
    draw.sort();
    stats[r] = statistic(draw);
  }
  stats.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: statistic(data),
    low: percentile(stats, tail),
    high: percentile(stats, 1 - tail),
    confidence,
    resamples,
  };
}
