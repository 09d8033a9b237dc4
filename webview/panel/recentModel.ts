/** The recent-requests table: the newest rows, formatted. Pure (no DOM). */
import type { RequestRow } from '../../server/src/protocol';
import { formatMs, formatRate, formatUsd, NO_VALUE } from '../shared/format';
import { RECENT_ROWS } from '../shared/panelFilters';

/** As many as the host asks the snapshot for (panelFilters.ts). */
export const RECENT_LIMIT = RECENT_ROWS;

export const RECENT_HEADERS = [
  'Time',
  'Task',
  'Language',
  'Backend',
  'Model',
  'Decision',
  'Cache',
  'TTFT',
  'TPOT',
  'E2E',
  'Decode',
  'Outcome',
  'Cost',
  'Note',
] as const;
/** Columns right-aligned as numbers. */
export const RECENT_NUMERIC = new Set<string>(['TTFT', 'TPOT', 'E2E', 'Decode', 'Cost']);

export interface RecentRowView {
  id: string;
  cells: string[];
  /** CSS modifier: an error, a fallback, or nothing special. */
  tone: 'error' | 'fallback' | 'normal';
}

/**
 * The snapshot's recent rows (as new as its statistics) with the charts' rows (maybe fetched a
 * few seconds earlier): a row in both is taken from `fresher`, which has its latest outcome.
 */
export function newestRows(fresher: readonly RequestRow[], rows: readonly RequestRow[]): RequestRow[] {
  if (fresher.length === 0) return [...rows];
  const ids = new Set(fresher.map((row) => row.id));
  return [...fresher, ...rows.filter((row) => !ids.has(row.id))];
}

export function buildRecentRows(rows: readonly RequestRow[], formatTime: (ms: number) => string, limit = RECENT_LIMIT): RecentRowView[] {
  return rows
    .filter((row) => row.shadowOf === undefined)
    .slice()
    .sort((a, b) => b.ts - a.ts)
    .slice(0, limit)
    .map((row) => ({
      id: row.id,
      cells: [
        formatTime(row.ts),
        row.task,
        row.language || NO_VALUE,
        row.backend ?? 'before routing',
        row.model ?? NO_VALUE,
        row.decision || row.policy,
        row.cacheTier === 'none' ? NO_VALUE : row.cacheTier,
        formatMs(row.ttftMs),
        formatMs(row.tpotMs),
        formatMs(row.e2eMs),
        formatRate(row.decodeTokensPerSecond),
        outcomeText(row),
        row.costUsd === undefined ? NO_VALUE : formatUsd(row.costUsd),
        row.errorClass ?? row.fallbackReason ?? '',
      ],
      tone: row.errorClass ? 'error' : row.fallbackReason ? 'fallback' : 'normal',
    }));
}

function outcomeText(row: RequestRow): string {
  if (row.outcome === 'partial' && row.acceptedChars !== null) return `partial (${row.acceptedChars} chars)`;
  return row.outcome;
}
