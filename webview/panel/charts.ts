/**
 * Draws the panel's charts with uPlot (bundled from node_modules: no CDN, nothing fetched).
 * uPlot draws on a canvas, which cannot read CSS variables, so the colours are read from the
 * theme's variables each time the charts are drawn (the page redraws on a theme change).
 */
import uPlot from 'uplot';
import type { ChartData, ChartSeriesData } from './chartData';
import { el } from './dom';

export interface ChartSpec {
  id: string;
  /** What the x values are: time (seconds since the epoch) or a plain number. */
  xKind: 'time' | 'number';
  xLabel: string;
  yLabel: string;
  data: ChartData;
  emptyText: string;
}

export interface ChartTheme {
  local: string;
  offload: string;
  neutral: [string, string, string];
  foreground: string;
  grid: string;
  /** High contrast: thicker lines. */
  strong: boolean;
}

const HEIGHT = 220;
const FALLBACK_WIDTH = 600;

export function readChartTheme(root: HTMLElement): ChartTheme {
  const style = getComputedStyle(root);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    local: read('--vscode-charts-blue', '#3794ff'),
    offload: read('--vscode-charts-orange', '#d18616'),
    neutral: [
      read('--vscode-charts-green', '#388a34'),
      read('--vscode-charts-purple', '#652d90'),
      read('--vscode-charts-yellow', '#bf8803'),
    ],
    foreground: read('--vscode-foreground', '#616161'),
    grid: read('--vscode-panel-border', 'rgba(128, 128, 128, 0.35)'),
    strong: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  };
}

/** Draws one chart into `container` (replacing what was there); returns the uPlot instance. */
export function drawChart(container: HTMLElement, spec: ChartSpec, theme: ChartTheme): uPlot | undefined {
  if (spec.data.x.length === 0 || spec.data.series.length === 0) {
    container.replaceChildren(el('p', { className: 'empty', text: spec.emptyText }));
    return undefined;
  }
  container.replaceChildren();
  let neutral = 0;
  const series: uPlot.Series[] = [
    { label: spec.xLabel },
    ...spec.data.series.map((entry) =>
      seriesOptions(entry, entry.backend ? theme[entry.backend] : theme.neutral[neutral++ % theme.neutral.length]!, theme),
    ),
  ];
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: theme.foreground,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  });
  const options: uPlot.Options = {
    width: container.clientWidth || FALLBACK_WIDTH,
    height: HEIGHT,
    scales: { x: { time: spec.xKind === 'time' } },
    series,
    axes: [axis(spec.xLabel), axis(spec.yLabel)],
    legend: { show: true },
    cursor: { drag: { x: true, y: false } },
  };
  const data = [spec.data.x, ...spec.data.series.map((entry) => entry.values)] as uPlot.AlignedData;
  return new uPlot(options, data, container);
}

function seriesOptions(entry: ChartSeriesData, colour: string, theme: ChartTheme): uPlot.Series {
  const width = theme.strong ? 2.5 : 1.5;
  switch (entry.style) {
    case 'points':
      return {
        label: entry.label,
        stroke: colour,
        width: 0,
        paths: () => null,
        points: { show: true, size: 5, stroke: colour, fill: colour },
      };
    case 'bars':
      return { label: entry.label, stroke: colour, fill: translucent(colour), width, paths: uPlot.paths.bars?.({ size: [0.9, 40] }) };
    case 'dashed':
      return { label: entry.label, stroke: colour, width, dash: [6, 4], spanGaps: true, points: { show: true, size: 4 } };
    case 'line':
      return { label: entry.label, stroke: colour, width, spanGaps: true, points: { show: true, size: 4 } };
  }
}

/** A see-through fill of a theme colour; colours that are not plain hex stay unfilled. */
function translucent(colour: string): string | undefined {
  return /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}66` : undefined;
}
