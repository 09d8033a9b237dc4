/**
 * Feeds the live Prometheus metrics from the recorder's events: each recorded row through
 * observeRow (the same function `tandem report --prometheus` uses), and each later accept as
 * the growth of that row's accepted characters, so a scrape after the accept shows what a
 * report of the final row shows. Counters only grow: a metrics reset or the retention prune
 * deletes rows from the database, never from here.
 *
 * An accept needs its row's labels, and must count a row once even when word-by-word accepts
 * update it several times: the feed remembers the most recent rows (a bounded map; an accept
 * arrives seconds after its row, long before the row is forgotten).
 */
import type { Outcome, RequestRow } from '../protocol';
import { isAcceptedOutcome, observeAcceptance, observeRow, rowLabels, type RowLabels, type TandemPromMetrics } from './promRegistry';
import type { UnrecordedKind } from './unrecordedRequests';

/** Rows remembered for their later accepts (about 200 bytes each). */
export const REMEMBERED_ROWS = 5000;

/** A later change of a recorded row, as far as these metrics care. */
export interface RowOutcomePatch {
  outcome?: Outcome;
  acceptedChars?: number | null;
}

interface Remembered {
  labels: RowLabels;
  accepted: boolean;
  acceptedChars: number;
}

export class PromLiveFeed {
  private readonly rows = new Map<string, Remembered>();

  constructor(
    readonly metrics: TandemPromMetrics,
    private readonly capacity = REMEMBERED_ROWS,
  ) {}

  recorded(row: RequestRow): void {
    observeRow(this.metrics, row);
    if (row.task !== 'completion' || row.shadowOf != null) return;
    this.rows.set(row.id, {
      labels: rowLabels(row),
      accepted: isAcceptedOutcome(row.outcome),
      acceptedChars: isAcceptedOutcome(row.outcome) ? Math.max(0, row.acceptedChars ?? 0) : 0,
    });
    if (this.rows.size > this.capacity) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
  }

  /** A completion request that ended without a row (unrecordedRequests.ts). */
  unrecorded(kind: UnrecordedKind, language: string): void {
    if (kind === 'superseded') this.metrics.superseded.inc({ language });
    else this.metrics.excluded.inc();
  }

  /** Only accepts matter here; the row's accepted characters are its running maximum. */
  updated(id: string, patch: RowOutcomePatch): void {
    const row = this.rows.get(id);
    if (!row) return;
    // A report counts accepted characters of accepted rows only: so does the feed.
    if (patch.outcome === undefined ? !row.accepted : !isAcceptedOutcome(patch.outcome)) return;
    if (patch.acceptedChars === undefined && row.accepted) return;
    const chars = Math.max(0, patch.acceptedChars ?? 0);
    const addedChars = Math.max(0, chars - row.acceptedChars);
    observeAcceptance(this.metrics, row.labels, { newlyAccepted: !row.accepted, addedChars });
    row.accepted = true;
    row.acceptedChars = Math.max(row.acceptedChars, chars);
  }
}
