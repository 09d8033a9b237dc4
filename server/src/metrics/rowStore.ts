/**
 * Where request rows live: SQLite (store.ts) normally, or plain memory (below) when SQLite cannot
 * run in this process at all. The recorder talks only to this interface.
 */
import type { Outcome, RequestRow } from '../protocol';
import type { RowFacts } from './liveTally';
import { tallyRows, type Tallies } from './tally';

export interface StoredRequest {
  row: RequestRow;
  /** sha256 of the prompt / completion text, when the text was given. */
  promptHash: string | null;
  completionHash: string | null;
  /** The text itself: only when `metrics.storePrompts` is on, else null. */
  prompt: string | null;
  completion: string | null;
}

export interface OutcomeUpdate {
  id: string;
  outcome: Outcome;
  acceptedChars?: number;
}

export interface WriteBatch {
  inserts: readonly StoredRequest[];
  updates: readonly OutcomeUpdate[];
}

export interface RowStore {
  /** All of it or nothing; inserts first, so an update may target a row of the same batch. */
  write(batch: WriteBatch): void;
  /** Rows with ts >= sinceMs, oldest first (for exports; snapshots use `tally` and `recent`). */
  rowsSince(sinceMs: number): RequestRow[];
  /** Per-backend counts, sums and latency values of rows with ts >= sinceMs. */
  tally(sinceMs: number): Tallies;
  /** The newest `limit` rows with ts >= sinceMs, newest first. */
  recent(sinceMs: number, limit: number): RequestRow[];
  /** Shadow rows (those with `shadowOf`) with ts >= sinceMs, oldest first. */
  shadowRows(sinceMs: number): RequestRow[];
  /** Deletes rows with ts < beforeMs; returns how many. */
  deleteOlderThan(beforeMs: number): number;
  /** What a row's outcome update needs to know about it; undefined for an unknown id. */
  factsOf(id: string): RowFacts | undefined;
  /** True when another connection wrote since the last call (always false in memory). */
  changedElsewhere(): boolean;
  close(): void;
}

export function applyUpdate(row: RequestRow, update: OutcomeUpdate): RequestRow {
  return {
    ...row,
    outcome: update.outcome,
    acceptedChars: update.acceptedChars ?? row.acceptedChars,
  };
}

/** Keeps the newest `maxRows` rows in memory; used only when SQLite is unavailable. */
export class MemoryRowStore implements RowStore {
  private rows: RequestRow[] = [];
  private readonly byId = new Map<string, number>();

  constructor(private readonly maxRows = 50_000) {}

  write(batch: WriteBatch): void {
    for (const { row } of batch.inserts) {
      const index = this.byId.get(row.id);
      if (index === undefined) {
        this.byId.set(row.id, this.rows.length);
        this.rows.push({ ...row });
      } else {
        this.rows[index] = { ...row };
      }
    }
    for (const update of batch.updates) {
      const index = this.byId.get(update.id);
      const row = index === undefined ? undefined : this.rows[index];
      if (index !== undefined && row) this.rows[index] = applyUpdate(row, update);
    }
    if (this.rows.length > this.maxRows) this.keep(this.rows.slice(-this.maxRows));
  }

  rowsSince(sinceMs: number): RequestRow[] {
    return this.rows.filter((row) => row.ts >= sinceMs).sort((a, b) => a.ts - b.ts);
  }

  tally(sinceMs: number): Tallies {
    return tallyRows(this.rowsSince(sinceMs));
  }

  recent(sinceMs: number, limit: number): RequestRow[] {
    return limit > 0 ? this.rowsSince(sinceMs).slice(-limit).reverse() : [];
  }

  shadowRows(sinceMs: number): RequestRow[] {
    return this.rowsSince(sinceMs).filter((row) => row.shadowOf != null);
  }

  deleteOlderThan(beforeMs: number): number {
    const before = this.rows.length;
    this.keep(this.rows.filter((row) => row.ts >= beforeMs));
    return before - this.rows.length;
  }

  factsOf(id: string): RowFacts | undefined {
    const index = this.byId.get(id);
    const row = index === undefined ? undefined : this.rows[index];
    return row && { ts: row.ts, backend: row.backend, cacheTier: row.cacheTier, outcome: row.outcome };
  }

  changedElsewhere(): boolean {
    return false;
  }

  close(): void {
    this.keep([]);
  }

  private keep(rows: RequestRow[]): void {
    this.rows = rows;
    this.byId.clear();
    rows.forEach((row, index) => this.byId.set(row.id, index));
  }
}
