/**
 * The performance panel's filters: what the page shows in its selects, keeps in the webview's
 * state, and sends to the extension host, which turns them into `MetricsSnapshotParams`. Pure,
 * shared by the page script, the extension host and `tandem report --html`.
 */
import type { BackendId, MetricsSnapshotParams, RequestRow, Task } from '../../server/src/protocol';

export const TIME_RANGES = ['1h', '24h', '7d', '30d', 'all'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

const HOUR_MS = 3600 * 1000;
const RANGE_MS: Record<Exclude<TimeRange, 'all'>, number> = {
  '1h': HOUR_MS,
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
  '30d': 30 * 24 * HOUR_MS,
};

export const TIME_RANGE_LABELS: Record<TimeRange, string> = {
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  all: 'Everything retained',
};

export interface PanelFilters {
  range: TimeRange;
  task?: Task;
  backend?: BackendId;
  language?: string;
}

/** Rows of the recent-requests table (recentModel.ts RECENT_LIMIT is this). */
export const RECENT_ROWS = 50;

/** The server's default window (metrics/window.ts) is 24 hours; the panel starts there too. */
export const DEFAULT_FILTERS: PanelFilters = { range: '24h' };

/** Language ids are short; anything longer is not one (the host treats the message as untrusted). */
const MAX_LANGUAGE_LENGTH = 100;

export function filtersToParams(filters: PanelFilters, nowMs: number): MetricsSnapshotParams {
  const params: MetricsSnapshotParams = {
    // 'all' asks from the epoch: the server clamps the window to what it retains.
    sinceMs: filters.range === 'all' ? 0 : nowMs - RANGE_MS[filters.range],
    // The recent-requests table: the snapshot's newest rows, merged with the charts' rows (which
    // the host may fetch less often); as many as the table shows (recentModel.ts RECENT_LIMIT).
    recent: RECENT_ROWS,
  };
  if (filters.task) params.task = filters.task;
  if (filters.backend) params.backend = filters.backend;
  if (filters.language) params.language = filters.language;
  return params;
}

/** Validates filters that came from a webview (untrusted) or from saved webview state. */
export function isPanelFilters(value: unknown): value is PanelFilters {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const filters = value as Record<string, unknown>;
  if (!(TIME_RANGES as readonly unknown[]).includes(filters.range)) return false;
  if (filters.task !== undefined && filters.task !== 'completion' && filters.task !== 'explain') return false;
  if (filters.backend !== undefined && filters.backend !== 'local' && filters.backend !== 'offload') return false;
  if (filters.language !== undefined) {
    if (typeof filters.language !== 'string' || filters.language.length === 0 || filters.language.length > MAX_LANGUAGE_LENGTH)
      return false;
  }
  return true;
}

/** Whether a row passes the task, backend and language filters (the report filters on the page). */
export function rowMatches(row: RequestRow, filters: Omit<PanelFilters, 'range'>): boolean {
  if (filters.task && row.task !== filters.task) return false;
  if (filters.backend && row.backend !== filters.backend) return false;
  if (filters.language && row.language !== filters.language) return false;
  return true;
}

/** The key of a precomputed snapshot in the HTML report: one per task × backend × language. */
export function snapshotKey(filters: Omit<PanelFilters, 'range'>): string {
  return `${filters.task ?? '*'}|${filters.backend ?? '*'}|${filters.language ?? '*'}`;
}
