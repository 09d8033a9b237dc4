/**
 * The panel's chart series, computed from request rows. Pure (no DOM, no uPlot): the page hands
 * the result to uPlot, tests check it directly. uPlot wants one shared, ascending x array with
 * one y array per series (null where a series has no point).
 *
 * Latency charts use generated answers only (a backend, no cache tier, not failed or cancelled):
 * the same rows metrics/definitions.ts summarises for the latency columns.
 */
import type { BackendId, RequestRow } from '../../server/src/protocol';
import { BACKEND_ORDER } from './statsModel';

export interface ChartSeriesData {
  label: string;
  backend?: BackendId;
  /** How to draw it: a line through points, points only, or bars. */
  style: 'line' | 'points' | 'bars' | 'dashed';
  values: (number | null)[];
}

export interface ChartData {
  x: number[];
  series: ChartSeriesData[];
}

const FAILED = new Set(['error', 'cancelled']);

type MeasuredRow = RequestRow & { backend: BackendId; e2eMs: number };

export function generatedRows(rows: readonly RequestRow[]): MeasuredRow[] {
  return rows
    .filter(
      (row): row is MeasuredRow =>
        row.backend !== null && row.cacheTier === 'none' && !FAILED.has(row.outcome) && isNumber(row.e2eMs) && row.shadowOf === undefined,
    )
    .sort((a, b) => a.ts - b.ts);
}

/** E2E (line) and TTFT (points) per backend over time; x in seconds since the epoch. */
export function latencyOverTime(rows: readonly RequestRow[]): ChartData {
  const measured = generatedRows(rows);
  const backends = presentBackends(measured);
  const series: ChartSeriesData[] = [];
  for (const backend of backends) {
    series.push({
      label: `${backend} E2E`,
      backend,
      style: 'line',
      values: measured.map((row) => (row.backend === backend ? row.e2eMs : null)),
    });
    series.push({
      label: `${backend} TTFT`,
      backend,
      style: 'points',
      values: measured.map((row) => (row.backend === backend ? row.ttftMs : null)),
    });
  }
  return { x: measured.map((row) => row.ts / 1000), series };
}

/**
 * E2E latency histogram per backend: `bins` equal bins from 0 to the 99th percentile (rounded up
 * to a round number); slower requests land in the last bin so one outlier does not flatten it.
 */
export function latencyHistogram(rows: readonly RequestRow[], bins = 20): ChartData {
  const measured = generatedRows(rows);
  if (measured.length === 0) return { x: [], series: [] };
  const sorted = measured.map((row) => row.e2eMs).sort((a, b) => a - b);
  const top = niceCeiling(sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]!);
  const width = top / bins;
  const x = Array.from({ length: bins }, (_, index) => index * width);
  const series = presentBackends(measured).map((backend): ChartSeriesData => {
    const counts = new Array<number>(bins).fill(0);
    for (const row of measured) {
      if (row.backend !== backend) continue;
      counts[Math.min(bins - 1, Math.floor(row.e2eMs / width))]! += 1;
    }
    return { label: `${backend} requests`, backend, style: 'bars', values: counts };
  });
  return { x, series };
}

/** TTFT and E2E against the prompt's token count, per backend (points). */
export function latencyVsPrompt(rows: readonly RequestRow[]): ChartData {
  const measured = generatedRows(rows)
    .filter((row) => isNumber(row.promptTokens))
    .sort((a, b) => (a.promptTokens ?? 0) - (b.promptTokens ?? 0));
  const series: ChartSeriesData[] = [];
  for (const backend of presentBackends(measured)) {
    series.push({
      label: `${backend} TTFT`,
      backend,
      style: 'points',
      values: measured.map((row) => (row.backend === backend ? row.ttftMs : null)),
    });
    series.push({
      label: `${backend} E2E`,
      backend,
      style: 'points',
      values: measured.map((row) => (row.backend === backend ? row.e2eMs : null)),
    });
  }
  return { x: measured.map((row) => row.promptTokens ?? 0), series };
}

const RETURNED = new Set(['shown', 'accepted', 'partial', 'rejected']);

/**
 * Completion acceptance and survival over time, in `buckets` equal time slices (percent, null
 * where a slice has nothing to measure). Acceptance follows the snapshot's definition:
 * (accepted + partial) / shown, or / returned when the editor reports no displays.
 */
export function qualityOverTime(rows: readonly RequestRow[], showEvents: boolean, buckets = 24): ChartData {
  const completions = rows.filter((row) => row.task === 'completion' && row.backend !== null && row.shadowOf === undefined);
  if (completions.length === 0) return { x: [], series: [] };
  const first = Math.min(...completions.map((row) => row.ts));
  const last = Math.max(...completions.map((row) => row.ts));
  const width = Math.max(1, (last - first + 1) / buckets);
  const offered = new Array<number>(buckets).fill(0);
  const accepted = new Array<number>(buckets).fill(0);
  const survival30 = meanBuckets(buckets);
  const survival120 = meanBuckets(buckets);
  for (const row of completions) {
    const index = Math.min(buckets - 1, Math.floor((row.ts - first) / width));
    const wasOffered = showEvents ? row.displayed === 1 : RETURNED.has(row.outcome);
    if (wasOffered) offered[index]! += 1;
    if (wasOffered && (row.outcome === 'accepted' || row.outcome === 'partial')) accepted[index]! += 1;
    if (row.survival30s !== undefined) add(survival30[index]!, row.survival30s);
    if (row.survival120s !== undefined) add(survival120[index]!, row.survival120s);
  }
  const x = Array.from({ length: buckets }, (_, index) => (first + index * width) / 1000);
  return {
    x,
    series: [
      { label: 'acceptance', style: 'line', values: offered.map((count, index) => (count > 0 ? (100 * accepted[index]!) / count : null)) },
      { label: 'survival 30 s', style: 'line', values: survival30.map(mean) },
      { label: 'survival 120 s', style: 'dashed', values: survival120.map(mean) },
    ],
  };
}

function meanBuckets(count: number): { sum: number; count: number }[] {
  return Array.from({ length: count }, () => ({ sum: 0, count: 0 }));
}

function add(bucket: { sum: number; count: number }, value: number): void {
  bucket.sum += value;
  bucket.count += 1;
}

function mean(bucket: { sum: number; count: number }): number | null {
  return bucket.count > 0 ? (100 * bucket.sum) / bucket.count : null;
}

function presentBackends(rows: readonly { backend: BackendId }[]): BackendId[] {
  return BACKEND_ORDER.filter((backend) => rows.some((row) => row.backend === backend));
}

/** The smallest 1, 2 or 5 × 10^n at or above `value` (at least 10), for round bin edges. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 10) return 10;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function isNumber(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}
