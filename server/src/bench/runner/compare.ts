/**
 * `tandem bench --compare A.json B.json`: B against baseline A, per backend, latency cell and
 * closed-loop level, on the raw samples both reports keep. For each of p50 TTFT, p50 TPOT and
 * p50 E2E it computes a 95 % percentile-bootstrap interval (seeded, so the verdict is the same
 * on every run) for A and for B. A change is flagged only when it is both real and large enough
 * to matter: the two intervals do not overlap AND the shift of the estimate exceeds
 * `thresholdPct` (default 5 %). Noise alone (overlapping intervals) is never flagged, however
 * large the point difference; a tiny but certain shift is reported as "unchanged".
 */
import type { BackendReport, BenchReport, RawSamples } from './reportTypes';
import { bootstrapCi, STATISTICS, type ConfidenceInterval } from './stats';

export interface CompareOptions {
  thresholdPct: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_COMPARE: CompareOptions = { thresholdPct: 5, resamples: 2000, seed: 7 };

export interface Comparison {
  backend: string;
  /** Latency cell id (L128x64) or closed-loop level (C4). */
  where: string;
  metric: keyof RawSamples;
  statistic: 'p50';
  a: ConfidenceInterval;
  b: ConfidenceInterval;
  /** (B − A) / A, %. */
  shiftPct: number;
  verdict: 'regression' | 'improvement' | 'unchanged';
}

const METRICS: Array<keyof RawSamples> = ['ttftMs', 'tpotMs', 'e2eMs'];

export function compareReports(a: BenchReport, b: BenchReport, options: CompareOptions = DEFAULT_COMPARE): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const backendB of b.backends) {
    const backendA = a.backends.find((candidate) => candidate.id === backendB.id);
    if (!backendA) continue;
    for (const [where, samplesA, samplesB] of pairedSamples(backendA, backendB)) {
      for (const metric of METRICS) {
        if (samplesA[metric].length < 2 || samplesB[metric].length < 2) continue;
        comparisons.push(compareOne(backendB.id, where, metric, samplesA[metric], samplesB[metric], options));
      }
    }
  }
  return comparisons;
}

export function compareOne(
  backend: string,
  where: string,
  metric: keyof RawSamples,
  a: number[],
  b: number[],
  options: CompareOptions,
): Comparison {
  const ciA = bootstrapCi(a, STATISTICS.p50, { resamples: options.resamples, seed: options.seed });
  const ciB = bootstrapCi(b, STATISTICS.p50, { resamples: options.resamples, seed: options.seed + 1 });
  const shiftPct = ciA.estimate !== 0 ? (100 * (ciB.estimate - ciA.estimate)) / ciA.estimate : 0;
  const separate = ciB.low > ciA.high || ciB.high < ciA.low;
  // Every compared metric is a latency: higher is worse.
  const verdict = separate && Math.abs(shiftPct) > options.thresholdPct ? (shiftPct > 0 ? 'regression' : 'improvement') : 'unchanged';
  return { backend, where, metric, statistic: 'p50', a: ciA, b: ciB, shiftPct, verdict };
}

function pairedSamples(a: BackendReport, b: BackendReport): Array<[string, RawSamples, RawSamples]> {
  const pairs: Array<[string, RawSamples, RawSamples]> = [];
  for (const cell of b.latency?.cells ?? []) {
    const base = a.latency?.cells.find((candidate) => candidate.id === cell.id);
    if (base) pairs.push([cell.id, base.samples, cell.samples]);
  }
  for (const level of b.throughput?.closedLoop ?? []) {
    const base = a.throughput?.closedLoop.find((candidate) => candidate.concurrency === level.concurrency);
    if (base) pairs.push([`C${level.concurrency}`, base.samples, level.samples]);
  }
  return pairs;
}

export function formatComparisons(comparisons: readonly Comparison[], options: CompareOptions = DEFAULT_COMPARE): string {
  if (comparisons.length === 0) return 'Nothing to compare: the reports share no backend, latency cell or load level with samples.';
  const ci = (c: ConfidenceInterval) => `${c.estimate.toFixed(1)} [${c.low.toFixed(1)}, ${c.high.toFixed(1)}]`;
  const lines = comparisons.map(
    (c) =>
      `${c.verdict === 'regression' ? 'REGRESSION ' : c.verdict === 'improvement' ? 'improvement' : 'unchanged  '} ` +
      `${c.backend.padEnd(7)} ${c.where.padEnd(9)} ${c.metric.padEnd(6)} p50 A ${ci(c.a).padEnd(26)} B ${ci(c.b).padEnd(26)} ${c.shiftPct >= 0 ? '+' : ''}${c.shiftPct.toFixed(1)} %`,
  );
  const regressions = comparisons.filter((c) => c.verdict === 'regression').length;
  return [
    `B vs A, p50 with 95 % bootstrap intervals (${options.resamples} resamples); flagged when the intervals do not overlap and the shift exceeds ${options.thresholdPct} %:`,
    ...lines,
    `${regressions} regression(s), ${comparisons.filter((c) => c.verdict === 'improvement').length} improvement(s), ${comparisons.length} comparisons.`,
  ].join('\n');
}
