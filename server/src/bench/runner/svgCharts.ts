/** Inline SVG charts for report.html (no script, no external resource: it opens offline). */

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

/** The legend's column, right of the plot area, so no key ever covers a bar or a line. */
const LEGEND_W = 132;
const W = 560 + LEGEND_W;
const H = 240;
const PAD = { left: 56, right: 16 + LEGEND_W, top: 16, bottom: 40 };

export const COLORS: Record<string, string> = { local: '#2b7bb9', offload: '#d9822b' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Grouped bars: one group per category, one bar per series (missing values leave a gap). */
export function barChart(
  title: string,
  unit: string,
  categories: string[],
  series: Array<{ name: string; color: string; values: Array<number | null> }>,
): string {
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const group = plotW / Math.max(1, categories.length);
  const bar = (group * 0.8) / Math.max(1, series.length);
  const parts: string[] = [];
  categories.forEach((category, c) => {
    series.forEach((s, i) => {
      const value = s.values[c];
      if (value === null || value === undefined) return;
      const h = (value / max) * plotH;
      const x = PAD.left + c * group + group * 0.1 + i * bar;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${s.name} ${category}: ${value.toFixed(2)} ${unit}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${(PAD.left + (c + 0.5) * group).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${escapeHtml(category)}</text>`,
    );
  });
  return frame(title, unit, max, parts, series);
}

/** Lines through (x, y) points per series, x on a linear axis. */
export function lineChart(title: string, xLabel: string, unit: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1e-9, ...all.map((p) => p[0]));
  const minX = Math.min(maxX, ...all.map((p) => p[0]));
  const maxY = Math.max(1e-9, ...all.map((p) => p[1]));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + (maxX === minX ? plotW / 2 : ((x - minX) / (maxX - minX)) * plotW);
  const sy = (y: number) => PAD.top + plotH - (y / maxY) * plotH;
  const parts = series.map((s) => {
    const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const dots = s.points
      .map(
        ([x, y]) =>
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${x} → ${y.toFixed(2)} ${unit}`)}</title></circle>`,
      )
      .join('');
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>${dots}`;
  });
  parts.push(`<text x="${PAD.left}" y="${H - PAD.bottom + 16}" font-size="11">${minX.toFixed(minX % 1 ? 1 : 0)}</text>`);
  parts.push(
    `<text x="${W - PAD.right}" y="${H - PAD.bottom + 16}" font-size="11" text-anchor="end">${maxX.toFixed(maxX % 1 ? 1 : 0)}</text>`,
  );
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  return frame(title, unit, maxY, parts, series);
}

function frame(title: string, unit: string, max: number, parts: string[], legend: Array<{ name: string; color: string }>): string {
  const plotH = H - PAD.top - PAD.bottom;
  const legendX = W - LEGEND_W + 4;
  const keys = legend.map(
    (s, i) =>
      `<g class="legend-key"><rect x="${legendX}" y="${PAD.top + i * 14}" width="10" height="10" fill="${s.color}"/><text x="${legendX + 14}" y="${PAD.top + 9 + i * 14}" font-size="11">${escapeHtml(s.name)}</text></g>`,
  );
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">` +
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#888"/>` +
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#888"/>` +
    `<text x="${PAD.left - 4}" y="${PAD.top + 10}" font-size="11" text-anchor="end">${formatTick(max)}</text>` +
    `<text x="${PAD.left - 4}" y="${PAD.top + plotH}" font-size="11" text-anchor="end">0</text>` +
    `<text x="12" y="${PAD.top + plotH / 2}" font-size="11" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle">${escapeHtml(unit)}</text>` +
    parts.join('') +
    keys.join('') +
    `</svg></figure>`
  );
}

function formatTick(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2);
}
