/** Writes the HTML report of a metrics database (see html.ts); returns what it wrote. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadPanelAssets, type PanelAssets } from './assets';
import { renderReportHtml } from './html';
import { buildReportData, type ReportSource } from './reportData';

export interface HtmlReportOptions {
  recorder: ReportSource;
  dbPath: string;
  outFile: string;
  window: { sinceMs: number; untilMs?: number };
  now?: number;
  assets?: PanelAssets;
}

export function writeHtmlReport(options: HtmlReportOptions): { rows: number; bytes: number } {
  const data = buildReportData(options.recorder, {
    source: basename(options.dbPath),
    window: options.window,
    now: options.now ?? Date.now(),
  });
  const html = renderReportHtml(data, options.assets ?? loadPanelAssets());
  writeFileSync(options.outFile, html, 'utf8');
  return { rows: data.rows.length, bytes: Buffer.byteLength(html) };
}
