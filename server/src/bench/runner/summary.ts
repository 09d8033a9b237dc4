/**
 * The executive summary: one row per headline figure, local next to offload, as the seed
 * report's table (000: "Local (Small Model) | Docker Offload (Large Model) | Improvement").
 * Each figure is read from a scenario's result; null when that scenario did not run.
 */
import type { BackendReport, LatencyCell, SummaryRow } from './reportTypes';

type Pick = (backend: BackendReport) => number | null | undefined;

/** The latency cell the summary quotes: the shortest prompt with the longest output run. */
export function headlineCell(backend: BackendReport): LatencyCell | undefined {
  const cells = backend.latency?.cells ?? [];
  const shortest = Math.min(...cells.map((c) => c.promptTokens));
  return cells.filter((c) => c.promptTokens === shortest).sort((a, b) => b.outputTokens - a.outputTokens)[0];
}

const nonEmpty = (count: number | undefined, value: number | undefined) => (count ? value : null);

const ROWS: Array<{ metric: string; unit: string; better: SummaryRow['better']; pick: Pick }> = [
  { metric: 'TTFT p50 (shortest prompt)', unit: 'ms', better: 'lower', pick: (b) => nonEmpty(headlineCell(b)?.ttftMs.count, headlineCell(b)?.ttftMs.p50) },
  { metric: 'TTFT p95 (shortest prompt)', unit: 'ms', better: 'lower', pick: (b) => nonEmpty(headlineCell(b)?.ttftMs.count, headlineCell(b)?.ttftMs.p95) },
  { metric: 'TPOT p50', unit: 'ms', better: 'lower', pick: (b) => nonEmpty(headlineCell(b)?.tpotMs.count, headlineCell(b)?.tpotMs.p50) },
  { metric: 'E2E p50 (shortest prompt, longest output)', unit: 'ms', better: 'lower', pick: (b) => nonEmpty(headlineCell(b)?.e2eMs.count, headlineCell(b)?.e2eMs.p50) },
  { metric: 'Decode speed p50', unit: 'tokens/s', better: 'higher', pick: (b) => nonEmpty(headlineCell(b)?.decodeTokensPerSecond.count, headlineCell(b)?.decodeTokensPerSecond.p50) },
  { metric: 'Peak throughput (closed loop)', unit: 'requests/s', better: 'higher', pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.requestsPerSecond)) },
  { metric: 'Peak output tokens/s (closed loop)', unit: 'tokens/s', better: 'higher', pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.outputTokensPerSecond)) },
  { metric: 'Saturation concurrency', unit: 'requests in flight', better: 'higher', pick: (b) => b.throughput?.saturation?.concurrency },
  { metric: 'E2E p95 at saturation', unit: 'ms', better: 'lower', pick: (b) => b.throughput?.saturation?.e2eP95Ms },
  { metric: 'Peak goodput (SLOs met)', unit: 'requests/s', better: 'higher', pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.goodput.requestsPerSecond)) },
  // Offload's model lives on the server: the client's RSS change at "load" says nothing about it.
  { metric: 'Memory added by the model', unit: 'MB', better: 'lower', pick: (b) => (b.id === 'local' ? b.memory?.modelMemoryMb : null) },
  { metric: 'Process RSS after load', unit: 'MB', better: 'lower', pick: (b) => b.memory?.rssAfterLoadMb },
  { metric: 'Leak rate (± std. error in report)', unit: 'MB/hour', better: 'lower', pick: (b) => b.memory?.leakRateMbPerHour.slope },
  { metric: 'Cost per 1k requests', unit: 'USD', better: 'lower', pick: (b) => b.cost?.per1kRequestsUsd },
  { metric: 'Cost per 1k accepted chars (proxy)', unit: 'USD', better: 'lower', pick: (b) => b.cost?.per1kAcceptedCharsUsd },
];

export function summaryRows(backends: readonly BackendReport[]): SummaryRow[] {
  const local = backends.find((b) => b.id === 'local');
  const offload = backends.find((b) => b.id === 'offload');
  return ROWS.map((row) => ({
    metric: row.metric,
    unit: row.unit,
    better: row.better,
    local: finiteOrNull(local ? row.pick(local) : null),
    offload: finiteOrNull(offload ? row.pick(offload) : null),
  }));
}

function maxOf(values: number[] | undefined): number | null {
  return values && values.length > 0 ? Math.max(...values) : null;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
