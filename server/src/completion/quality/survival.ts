/**
 * Survival of accepted completions (Copilot's "percentage of code retained", Cody's retention):
 * after an accept, the inserted range is followed through every later change of its document,
 * and 30 s and 120 s after the accept the edit similarity (metrics/textMetrics.ts, CodeXGLUE's
 * fuzz ratio) between the accepted text and the text now in the range is written to the row.
 *
 * How the range moves: edits wholly before it shift it (lines inserted above), edits wholly after
 * it leave it alone, and an edit that overlaps it becomes part of it (what the user typed over
 * the suggestion is what stands at its place). Text inserted exactly at its start or end is
 * outside it, except once it is empty (the suggestion was deleted): then what is typed in its
 * place is inside it.
 *
 * Unknown stays unknown, never 0: a document that closes (or leaves the server's document window)
 * or is replaced wholesale ends tracking with no value for the checkpoints still to come: a
 * closed file may have been saved with the text or discarded, and guessing either would bias the
 * mean. The number of tracked accepts is bounded; the oldest one is dropped, also with no value.
 */
import type { RowPatch } from '../../metrics/types';
import { editSimilarity } from '../../metrics/textMetrics';
import type { OffsetEdit } from './documentEdits';

/** A timer source; tests pass one they advance by hand. */
export interface SurvivalClock {
  schedule(callback: () => void, ms: number): { cancel(): void };
}

/** Real timers, unref'd: a pending checkpoint never keeps the server process alive. */
export const realClock: SurvivalClock = {
  schedule(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export const SURVIVAL_CHECKPOINTS: ReadonlyArray<{ ms: number; field: 'survival30s' | 'survival120s' }> = [
  { ms: 30_000, field: 'survival30s' },
  { ms: 120_000, field: 'survival120s' },
];

/** Accepts followed at once; each holds its accepted text and the text now in its range. */
export const MAX_TRACKED_ACCEPTS = 200;

/** A range of a document and the text in it. */
export interface TrackedRange {
  start: number;
  end: number;
  text: string;
}

/** Where the range is, and what it holds, after `edit` (offsets of the text before the edit). */
export function applyEdit(range: TrackedRange, edit: OffsetEdit): TrackedRange {
  const delta = edit.text.length - (edit.end - edit.start);
  const empty = range.start === range.end;
  const before = empty ? edit.end < range.start : edit.end <= range.start;
  if (before) return { start: range.start + delta, end: range.end + delta, text: range.text };
  const after = empty ? edit.start > range.end : edit.start >= range.end;
  if (after) return range;
  const start = Math.min(range.start, edit.start);
  const kept = range.text.slice(0, Math.max(0, edit.start - range.start));
  const rest = edit.end < range.end ? range.text.slice(edit.end - range.start) : '';
  const text = kept + edit.text + rest;
  return { start, end: start + text.length, text };
}

interface Tracked {
  rowId: string;
  uri: string;
  accepted: string;
  range: TrackedRange;
  timers: Array<{ cancel(): void }>;
  /** Checkpoints not yet recorded. */
  pending: number;
}

export interface SurvivalOptions {
  /** Writes a checkpoint to the row (MetricsRecorder.update). */
  update: (rowId: string, patch: RowPatch) => void;
  clock?: SurvivalClock;
  maxTracked?: number;
}

export class SurvivalTracker {
  /** By row id; Map order is age, the first entry the oldest. */
  private readonly tracked = new Map<string, Tracked>();
  private readonly clock: SurvivalClock;
  private readonly maxTracked: number;

  constructor(private readonly options: SurvivalOptions) {
    this.clock = options.clock ?? realClock;
    this.maxTracked = options.maxTracked ?? MAX_TRACKED_ACCEPTS;
  }

  /**
   * `accepted` was just inserted at `start` of `uri` for `rowId`. A later accept of the same row
   * (the next word of a partial accept) replaces it: the checkpoints count from the last accept.
   */
  track(rowId: string, uri: string, start: number, accepted: string): void {
    this.stop(rowId);
    const entry: Tracked = {
      rowId,
      uri,
      accepted,
      range: { start, end: start + accepted.length, text: accepted },
      timers: [],
      pending: SURVIVAL_CHECKPOINTS.length,
    };
    entry.timers = SURVIVAL_CHECKPOINTS.map(({ ms, field }) => this.clock.schedule(() => this.checkpoint(entry, field), ms));
    this.tracked.set(rowId, entry);
    while (this.tracked.size > this.maxTracked) {
      const oldest = this.tracked.keys().next().value;
      if (oldest === undefined) break;
      this.stop(oldest);
    }
  }

  /** Cheap: callers skip converting changes for documents nothing is tracked in. */
  isTracking(uri: string): boolean {
    for (const entry of this.tracked.values()) if (entry.uri === uri) return true;
    return false;
  }

  /** One didChange of `uri`, in order; `undefined`: the whole text was replaced. */
  noteEdits(uri: string, edits: readonly OffsetEdit[] | undefined): void {
    for (const entry of [...this.tracked.values()]) {
      if (entry.uri !== uri) continue;
      if (!edits) {
        this.stop(entry.rowId);
        continue;
      }
      for (const edit of edits) entry.range = applyEdit(entry.range, edit);
    }
  }

  /** The document closed or left the server's window: its accepts get no further checkpoints. */
  documentClosed(uri: string): void {
    for (const entry of [...this.tracked.values()]) if (entry.uri === uri) this.stop(entry.rowId);
  }

  get size(): number {
    return this.tracked.size;
  }

  dispose(): void {
    for (const rowId of [...this.tracked.keys()]) this.stop(rowId);
  }

  private checkpoint(entry: Tracked, field: 'survival30s' | 'survival120s'): void {
    if (this.tracked.get(entry.rowId) !== entry) return;
    this.options.update(entry.rowId, { [field]: editSimilarity(entry.accepted, entry.range.text) });
    entry.pending--;
    if (entry.pending === 0) this.tracked.delete(entry.rowId);
  }

  private stop(rowId: string): void {
    const entry = this.tracked.get(rowId);
    if (!entry) return;
    for (const timer of entry.timers) timer.cancel();
    this.tracked.delete(rowId);
  }
}
