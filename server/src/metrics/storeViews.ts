/**
 * Reading a snapshot from two stores, the written one and the scratch copy of the queued rows
 * (writeQueue.ts), and merging what each yields: a queued row replaces a stored one of the
 * same id, as it will once written.
 */
import type { Logger } from '../logger';
import type { MetricsSnapshot, MetricsSnapshotParams, RequestRow } from '../protocol';
import { describeError } from '../storage/sqliteErrors';
import type { RowQuery, RowStore } from './rowStore';
import { emptyAggregate, type StoreAggregate } from './tally';

/** What one store yields for a snapshot. */
export interface StoreView {
  aggregate: StoreAggregate;
  recent: RequestRow[];
  shadows: RequestRow[];
}

export const EMPTY_VIEW: StoreView = { aggregate: emptyAggregate(), recent: [], shadows: [] };

/** What `store` holds for `query`; empty (with a warning saying `otherwise`) when reading fails. */
export function readView(store: RowStore, query: RowQuery, recent: number, log: Logger, otherwise: string): StoreView {
  try {
    return { aggregate: store.aggregate(query), recent: store.recent(query, recent), shadows: store.shadowRows(query) };
  } catch (error) {
    log.warn(`Reading request metrics failed (${describeError(error)}); ${otherwise}.`);
    return EMPTY_VIEW;
  }
}

/** Stored and queued rows, each newest first, as one list newest first; a queued row replaces
 * a stored one of the same id (it will, once written). */
export function newestFirst(stored: readonly RequestRow[], queued: readonly RequestRow[]): RequestRow[] {
  if (queued.length === 0) return [...stored];
  const queuedIds = new Set(queued.map((row) => row.id));
  // Stable sort: at equal ts the queued (newer) rows stay first.
  return [...queued, ...stored.filter((row) => !queuedIds.has(row.id))].sort((a, b) => b.ts - a.ts);
}

/** Stored and queued rows in any order, one per id (the queued one wins). */
export function mergeById(stored: readonly RequestRow[], queued: readonly RequestRow[]): RequestRow[] {
  const rows = new Map<string, RequestRow>();
  for (const row of [...stored, ...queued]) rows.set(row.id, row);
  return [...rows.values()];
}

/** The params' filters that are set (the snapshot echoes them). */
export function definedFilters(params: MetricsSnapshotParams): MetricsSnapshot['filters'] {
  return {
    ...(params.task !== undefined ? { task: params.task } : {}),
    ...(params.language !== undefined ? { language: params.language } : {}),
    ...(params.backend !== undefined ? { backend: params.backend } : {}),
  };
}
