/**
 * The performance panel's export: request rows as CSV (one column per RequestRow field, nested
 * fields flattened or as JSON) and as JSON. Pure and shared: the extension host writes what it
 * gets from `tandem/metrics/rows`, the HTML report builds the same file in the browser.
 */
import type { RequestRow } from '../../server/src/protocol';

export type ExportFormat = 'csv' | 'json';

type Cell = string | number | null | undefined;

/** Every RequestRow field in a fixed order; `itl` and `promptTrace` are expanded below. */
const SCALAR_COLUMNS = [
  'id',
  'ts',
  'task',
  'language',
  'policy',
  'decision',
  'backend',
  'model',
  'cacheTier',
  'promptTokens',
  'completionTokens',
  'tokenSource',
  'ttftMs',
  'tpotMs',
  'e2eMs',
  'decodeTokensPerSecond',
  'promptTokensPerSecond',
  'serverPromptMs',
  'serverDecodeMs',
  'cpuMs',
  'outcome',
  'acceptedChars',
  'errorClass',
  'fallbackReason',
  'costUsd',
  'costBasis',
  'displayed',
  'shownChars',
  'typedChars',
  'survival30s',
  'survival120s',
  'syntaxError',
  'feedback',
  'grounding',
  'shadowOf',
  'comparedWith',
  'shadowSimilarity',
  'shownSimilarity',
  'shadowFirstLineMatch',
  'shownFirstLineMatch',
] as const satisfies readonly (keyof RequestRow)[];

/** Fields written as several columns (itl) or as JSON (promptTrace). */
type ExpandedColumn = Extract<keyof RequestRow, 'itl' | 'promptTrace'>;

/** Compiles only when every RequestRow field is exported: a new field must be added above. */
type AssertNever<T extends never> = T;
export type ExportColumnsAreComplete = AssertNever<Exclude<keyof RequestRow, (typeof SCALAR_COLUMNS)[number] | ExpandedColumn>>;

const ITL_COLUMNS = ['itlCount', 'itlMeanMs', 'itlP50Ms', 'itlP95Ms', 'itlMaxMs'] as const;

export const CSV_HEADER: readonly string[] = [...SCALAR_COLUMNS, ...ITL_COLUMNS, 'promptTrace'];

export function rowsToCsv(rows: readonly RequestRow[]): string {
  const lines = [CSV_HEADER.map(csvCell).join(',')];
  for (const row of rows) {
    const cells: Cell[] = SCALAR_COLUMNS.map((key) => row[key]);
    const itl = row.itl;
    cells.push(itl?.count, itl?.meanMs, itl?.p50Ms, itl?.p95Ms, itl?.maxMs);
    cells.push(row.promptTrace ? JSON.stringify(row.promptTrace) : undefined);
    lines.push(cells.map(csvCell).join(','));
  }
  // RFC 4180: CRLF between records; spreadsheets open it as-is.
  return `${lines.join('\r\n')}\r\n`;
}

export function rowsToJson(rows: readonly RequestRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

export function exportRows(rows: readonly RequestRow[], format: ExportFormat): string {
  return format === 'csv' ? rowsToCsv(rows) : rowsToJson(rows);
}

/** e.g. "tandem-metrics-2024-05-01T12-30-00.csv" (no characters a file system rejects). */
export function exportFileName(format: ExportFormat, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().slice(0, 19).replace(/:/g, '-');
  return `tandem-metrics-${stamp}.${format}`;
}

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  // A text cell starting with = + - @ would run as a formula in a spreadsheet: quote it as text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
