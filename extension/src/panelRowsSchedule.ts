/**
 * When the performance panel's host reads the charts' rows again (performancePanel.ts).
 *
 * The statistics follow every `tandem/metrics/didChange` (about once a second while typing):
 * the snapshot is SQL the server answers from cached time buckets. The charts' rows are up to
 * MAX_PANEL_ROWS rows to read, serialize and redraw, and a chart a few seconds old says the same:
 * while metrics keep changing they are read at most once per interval, and once more at its end
 * so the last change is never left out. The page asking (load, a filter change, Refresh, after a
 * reset) reads them at once.
 *
 * Why not "only the rows newer than the last fetch": rows change after they are written (the
 * verdict, survival 30 s and 120 s later, the cost), so an increment by time would keep stale
 * copies, and the window's start moves too; a bounded re-read is simpler and always right.
 */
/** The charts get at most this many of the newest rows (the export gets all). */
export const MAX_PANEL_ROWS = 20_000;
/** While metrics keep changing, the charts' rows are read at most this often. */
export const CHART_ROWS_INTERVAL_MS = 5_000;

export type RowsDecision = { read: true } | { read: false; dueInMs: number };

export class PanelRowsSchedule {
  private readAt: number | undefined;
  private readFor: string | undefined;
  private forced = false;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The page asked: the next fetch reads the rows whatever the interval says. */
  force(): void {
    this.forced = true;
  }

  /**
   * Whether this fetch, for filters `filtersKey`, reads the rows (then they count as read now),
   * or how long until they are due. New filters always read.
   */
  decide(filtersKey: string): RowsDecision {
    const now = this.now();
    const sinceRead = this.readAt === undefined ? Number.POSITIVE_INFINITY : now - this.readAt;
    if (this.forced || filtersKey !== this.readFor || sinceRead >= this.intervalMs) {
      this.forced = false;
      this.readAt = now;
      this.readFor = filtersKey;
      return { read: true };
    }
    return { read: false, dueInMs: this.intervalMs - sinceRead };
  }
}
