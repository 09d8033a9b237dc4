/**
 * Geometry for the performance panel's latency chart: recent requests in arrival order on x,
 * milliseconds on y, one E2E line plus TTFT markers per backend. The webview draws it as plain
 * SVG, so no chart library has to be bundled or trusted by the webview's CSP.
 */
import type { BackendId, RequestRow } from '../../server/src/protocol';
import { formatMs } from './format';
import type { ChartPoint, ChartSeries, ChartTick, LatencyChartView } from './webviewMessages';

export interface ChartSize {
  width: number;
  height: number;
}

const DEFAULT_SIZE: ChartSize = { width: 640, height: 220 };
const MARGIN = { left: 56, top: 12, right: 12, bottom: 24 };
const BACKEND_ORDER: readonly BackendId[] = ['local', 'offload'];
const Y_TICK_COUNT = 4;

export function buildLatencyChart(rows: readonly RequestRow[], size: ChartSize = DEFAULT_SIZE): LatencyChartView {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: size.width - MARGIN.right,
    bottom: size.height - MARGIN.bottom,
  };
  const measured = rows
    .filter((row): row is RequestRow & { backend: BackendId; e2eMs: number } => row.backend !== null && isNumber(row.e2eMs))
    .slice()
    .sort((a, b) => a.ts - b.ts);

  const maxMs = niceCeiling(measured.reduce((max, row) => Math.max(max, row.e2eMs), 0));
  const xAt = (index: number): number =>
    measured.length <= 1
      ? (plot.left + plot.right) / 2
      : plot.left + (index / (measured.length - 1)) * (plot.right - plot.left);
  const yAt = (ms: number): number => plot.bottom - (Math.min(ms, maxMs) / maxMs) * (plot.bottom - plot.top);

  const series: ChartSeries[] = [];
  for (const backend of BACKEND_ORDER) {
    const e2e: ChartPoint[] = [];
    const ttft: ChartPoint[] = [];
    measured.forEach((row, index) => {
      if (row.backend !== backend) return;
      const x = round(xAt(index));
      e2e.push({ x, y: round(yAt(row.e2eMs)), label: `${backend} ${row.task}: E2E ${formatMs(row.e2eMs)}` });
      if (isNumber(row.ttftMs)) {
        ttft.push({ x, y: round(yAt(row.ttftMs)), label: `${backend} ${row.task}: TTFT ${formatMs(row.ttftMs)}` });
      }
    });
    if (e2e.length === 0) continue;
    series.push({ backend, line: e2e.map((point) => `${point.x},${point.y}`).join(' '), e2e, ttft });
  }

  const yTicks: ChartTick[] = [];
  for (let i = 0; i <= Y_TICK_COUNT; i++) {
    const ms = (maxMs * i) / Y_TICK_COUNT;
    yTicks.push({ at: round(yAt(ms)), label: formatMs(ms) });
  }
  return { width: size.width, height: size.height, plot, yTicks, series, requestCount: measured.length };
}

/**
 * The smallest 1, 2 or 5 × 10^n at or above `value`, so axis labels are round numbers.
 * Never below 10 ms: an empty or all-cache-hit chart still gets a sensible axis.
 */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 10) return 10;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function isNumber(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
