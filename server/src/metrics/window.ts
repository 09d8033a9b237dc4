/**
 * Which rows a snapshot (or an export) covers when the caller does not say: the last 24 hours.
 * The bound keeps a snapshot's SQL over a day of rows however long the retention is, so the
 * panel's periodic snapshots stay cheap; a caller that wants more passes `sinceMs`. No window
 * reaches back past the retention: older rows are deleted (hourly) and must not flicker in.
 */
import type { MetricsSnapshotParams } from '../protocol';

export const DEFAULT_SNAPSHOT_WINDOW_MS = 24 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

export interface SnapshotWindow {
  sinceMs: number;
  /** Exclusive; undefined: no upper bound (rows stamped "now" or a little later still count). */
  untilMs?: number;
}

export function snapshotWindow(params: MetricsSnapshotParams, nowMs: number, retentionDays: number): SnapshotWindow {
  const oldestRetained = nowMs - retentionDays * DAY_MS;
  const sinceMs = Math.max(params.sinceMs ?? nowMs - DEFAULT_SNAPSHOT_WINDOW_MS, oldestRetained);
  return params.untilMs === undefined ? { sinceMs } : { sinceMs, untilMs: params.untilMs };
}
