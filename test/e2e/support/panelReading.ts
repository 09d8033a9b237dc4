/**
 * Reads the performance panel's page (webview/panel/page.ts) as the browser rendered it: the
 * statistics table by task group and backend column, each chart's uPlot canvases (drawn size and
 * how many pixels were painted), the recent-requests table and the visible messages. The same
 * page runs in VS Code's webview and in a `tandem report --html` file, so both tests read it here.
 *
 * The reader is a string evaluated in the page, not a function: tsx compiles test files with
 * esbuild's keepNames, whose `__name(...)` wrappers do not exist inside the page.
 */
import type { Frame, Page } from 'playwright-core';

export const PANEL_CHART_IDS = ['chart-latency-time', 'chart-latency-histogram', 'chart-latency-prompt', 'chart-quality-time'] as const;

export interface CanvasReading {
  /** The canvas's own pixel size (set by uPlot when it draws). */
  width: number;
  height: number;
  /** Its size on the page, in CSS pixels. */
  shownWidth: number;
  shownHeight: number;
  /** Pixels with any opacity (axes, grid and series are all drawn on it); -1 if unreadable. */
  paintedPixels: number;
}

export interface ChartReading {
  id: string;
  /** uPlot instances in the chart's slot. */
  plots: number;
  canvases: CanvasReading[];
  /** The slot's text: the legend, or the "no data" sentence when nothing was drawn. */
  text: string;
}

export interface PanelReading {
  /** Backend names of the statistics table's columns, in order. */
  columns: string[];
  /** Task group ('all', 'completion', 'explain') → metric label → one value per column. */
  groups: Record<string, Record<string, string[]>>;
  charts: ChartReading[];
  /** The Task cell of every row of the recent-requests table. */
  recentTasks: string[];
  status: string;
  /** #unavailable and #empty when shown (the server-down and no-data states). */
  messages: string[];
  taskFilter: string;
}

const READ_PANEL = `(() => {
  const text = (node) => (node && node.textContent ? node.textContent : '').trim();
  const stats = document.getElementById('stats');
  const columns = stats ? [...stats.querySelectorAll('thead th.backend')].map((th) => text(th.querySelector('.backend-name'))) : [];
  const groups = {};
  for (const body of stats ? stats.querySelectorAll('tbody') : []) {
    const marker = [...body.classList].find((name) => name.startsWith('group-'));
    const rows = {};
    for (const tr of body.querySelectorAll('tr:not(.group)')) rows[text(tr.querySelector('th'))] = [...tr.querySelectorAll('td')].map(text);
    groups[marker ? marker.slice('group-'.length) : '?'] = rows;
  }
  const charts = ${JSON.stringify(PANEL_CHART_IDS)}.map((id) => {
    const slot = document.getElementById(id);
    if (!slot) return { id, plots: 0, canvases: [], text: '(no element with this id)' };
    const canvases = [...slot.querySelectorAll('canvas')].map((canvas) => {
      const box = canvas.getBoundingClientRect();
      let paintedPixels = -1;
      try {
        // Read through a scratch canvas made for readback (reading uPlot's own canvas again and
        // again makes Chromium warn in the page's console).
        const scratch = document.createElement('canvas');
        scratch.width = canvas.width;
        scratch.height = canvas.height;
        const context = scratch.getContext('2d', { willReadFrequently: true });
        context.drawImage(canvas, 0, 0);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        paintedPixels = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) paintedPixels++;
      } catch (error) {
        paintedPixels = -1;
      }
      return { width: canvas.width, height: canvas.height, shownWidth: Math.round(box.width), shownHeight: Math.round(box.height), paintedPixels };
    });
    return { id, plots: slot.querySelectorAll('.uplot').length, canvases, text: text(slot).slice(0, 160) };
  });
  const recentTasks = [...document.querySelectorAll('#recent tbody tr')].filter((tr) => tr.children.length > 1).map((tr) => text(tr.children[1]));
  const messages = ['unavailable', 'empty'].map((id) => document.getElementById(id)).filter((node) => node && !node.hidden).map(text);
  const task = document.getElementById('filter-task');
  return { columns, groups, charts, recentTasks, status: text(document.getElementById('status')), messages, taskFilter: task ? task.value : '(no task filter)' };
})()`;

export async function readPanel(target: Frame | Page): Promise<PanelReading> {
  return (await target.evaluate(READ_PANEL)) as PanelReading;
}

/** A count as the panel formats it ("1,234"), or 0 for "—" (no value). */
export function countOf(cell: string | undefined): number {
  const digits = (cell ?? '').replace(/[^\d]/g, '');
  return digits === '' ? 0 : Number(digits);
}

/** Requests per backend column in a task group (0 where the column shows "—"). */
export function requestsByBackend(reading: PanelReading, group: string): Record<string, number> {
  const values = reading.groups[group]?.Requests ?? [];
  return Object.fromEntries(reading.columns.map((backend, index) => [backend, countOf(values[index])]));
}

/** Charts that were not drawn: no uPlot canvas, a zero-sized one, or one with nothing painted. */
export function undrawnCharts(reading: PanelReading): string[] {
  return reading.charts
    .filter(
      (chart) =>
        chart.plots !== 1 ||
        chart.canvases.length === 0 ||
        chart.canvases.some((c) => c.width === 0 || c.height === 0 || c.shownWidth === 0 || c.shownHeight === 0 || c.paintedPixels <= 0),
    )
    .map((chart) => `${chart.id} (${chart.plots} plots, canvases ${JSON.stringify(chart.canvases)}, text "${chart.text}")`);
}
