/**
 * Where request rows live: SQLite (store.ts) normally, a SQLite database in memory after the file
 * failed for good, and nowhere (UnavailableRowStore) when SQLite cannot run in this process at
 * all. The recorder talks only to this interface.
 */
import type { BackendId, RequestRow, Task } from '../protocol';
import { emptyAggregate, type StoreAggregate } from './tally';
import type { RowPatch } from './types';

export interface StoredRequest {
  row: RequestRow;
  /** sha256 of the prompt / completion text, when the text was given. */
  promptHash: string | null;
  completionHash: string | null;
  /** The text itself: only when `metrics.storePrompts` is on, else null. */
  prompt: string | null;
  completion: string | null;
}

export interface RowUpdate {
  id: string;
  patch: RowPatch;
}

export interface WriteBatch {
  inserts: readonly StoredRequest[];
  updates: readonly RowUpdate[];
}

/** Which rows a read covers: ts in [sinceMs, untilMs), and the filters that are set. */
export interface RowQuery {
  sinceMs: number;
  untilMs?: number;
  task?: Task;
  language?: string;
  backend?: BackendId;
}

export interface RowStore {
  /** True for a store that does not outlive the process. */
  readonly inMemory: boolean;
  /** All of it or nothing; inserts first, so an update may target a row of the same batch. */
  write(batch: WriteBatch): void;
  /** Rows matching `query`, oldest first (exports). */
  rows(query: RowQuery): RequestRow[];
  /** The newest `limit` rows matching `query`, newest first. */
  recent(query: RowQuery, limit: number): RequestRow[];
  /** Shadow rows (those with `shadowOf`) matching `query`, oldest first. */
  shadowRows(query: RowQuery): RequestRow[];
  /** Per-(backend, task) statistics of the primary rows matching `query` (aggregateSql.ts). */
  aggregate(query: RowQuery): StoreAggregate;
  /** Deletes rows with ts < beforeMs; returns how many. */
  deleteOlderThan(beforeMs: number): number;
  /** Deletes every row; returns how many. */
  deleteAll(): number;
  close(): void;
}

/** The row with `patch` applied: fields the patch leaves out (or sets undefined) keep their value. */
export function applyPatch(row: RequestRow, patch: RowPatch): RequestRow {
  const patched: RequestRow = { ...row };
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined) (patched as unknown as Record<string, unknown>)[field] = value;
  }
  return patched;
}

/**
 * Used only when SQLite cannot run in this process at all (its native module did not load):
 * rows are not kept, and snapshots are empty, rather than counted by a second definition.
 */
export class UnavailableRowStore implements RowStore {
  readonly inMemory = true;
  write(): void {}
  rows(): RequestRow[] {
    return [];
  }
  recent(): RequestRow[] {
    return [];
  }
  shadowRows(): RequestRow[] {
    return [];
  }
  aggregate(): StoreAggregate {
    return emptyAggregate();
  }
  deleteOlderThan(): number {
    return 0;
  }
  deleteAll(): number {
    return 0;
  }
  close(): void {}
}
