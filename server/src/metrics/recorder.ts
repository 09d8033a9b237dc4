/**
 * Records one row per request without slowing the request path: `record` and `updateOutcome`
 * only queue, and the queue is written in one transaction on a short timer, before a snapshot,
 * and on close. Nothing here throws into the caller.
 *
 * When the database is busy (another process holds the write lock) or the disk refuses the write
 * for now (full, I/O error, read-only, cannot open: see isRetryableError) the queue waits, with a
 * growing back-off up to 30 s, and is written once the disk takes it again; snapshots still
 * include queued rows (written to an in-memory database with the same schema, so they are
 * counted by the same SQL). The queue holds at most `maxPending` rows and updates (default
 * MAX_PENDING_ROWS); beyond that the oldest are dropped, with a warning. Errors that say the
 * handle itself is stale (read-only, cannot open, I/O error) reopen the file before the next
 * attempt. Only damage that no retry can fix (corruption, a missing table) moves the session to
 * an in-memory SQLite store, with one warning saying so.
 *
 * This class coordinates: validation (validateRow.ts), what a row is stored as (storedRequest.ts),
 * the queue and its retries (writeQueue.ts), and reading stored plus queued rows (storeViews.ts).
 */
import type { CacheCounters } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRowsParams, MetricsSnapshot, MetricsSnapshotParams, ModelMemory, Outcome, RequestRow } from '../protocol';
import type { StorageInfo } from '../storage/sqlite';
import { describeError } from '../storage/sqliteErrors';
import type { CostBasis } from './cost';
import type { RowQuery, RowStore } from './rowStore';
import { shadowStats } from './shadowStats';
import { definedFilters, EMPTY_VIEW, mergeById, newestFirst, readView } from './storeViews';
import { toStoredRequest } from './storedRequest';
import { finishAggregate, mergeAggregates } from './tally';
import type { MetricsRecorder, RequestText, RowPatch } from './types';
import { UnrecordedRequests, type UnrecordedKind } from './unrecordedRequests';
import { invalidPatchReason, invalidRowReason } from './validateRow';
import { snapshotWindow } from './window';
import { MetricsWriteQueue } from './writeQueue';

export { MAX_PENDING_ROWS } from './writeQueue';

/** Told of every recorded row (validated, priced, redacted) and every later patch of one. */
export interface RecordListener {
  recorded(row: RequestRow): void;
  updated(id: string, patch: RowPatch): void;
  /** A completion request that ended without a row (unrecordedRequests.ts). */
  unrecorded?(kind: UnrecordedKind, language: string): void;
}

/**
 * The metrics settings plus what the recorder needs from elsewhere: the prices rows are costed
 * with (cost.ts costBasisOf) and whether the editor reports displayed completions (the LSP
 * client's `reportsShownCompletions`; false for the CLI).
 */
export type MetricsConfig = TandemConfig['metrics'] & { cost: CostBasis; showEvents: boolean };

const DEFAULT_RECENT = 50;
const NO_CACHE_COUNTERS: CacheCounters = { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };

export interface RecorderOptions {
  config: MetricsConfig;
  cacheCounters: () => CacheCounters;
  log: Logger;
  now: () => number;
  storage: StorageInfo;
  /** Delay before queued rows are written; default 250 ms. */
  flushDelayMs?: number;
  /** Rows kept queued while the database refuses writes; the oldest are dropped beyond it. */
  maxPending?: number;
  /** Opens the database file again (throws when it cannot): used after errors that leave the
   * open handle stale. Absent for in-memory stores. */
  reopen?: () => RowStore;
  /** Only reads (`tandem report`): never prunes, records, updates or resets, so the database
   * file is left exactly as it was. */
  readOnly?: boolean;
  /** The local models' memory as measured at load (snapshot `memory.models`). */
  modelMemory?: () => ModelMemory[];
}

export class SqliteMetricsRecorder implements MetricsRecorder {
  readonly storage: StorageInfo;
  private config: MetricsConfig;
  private readonly queue: MetricsWriteQueue;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly recordListeners = new Set<RecordListener>();
  private readonly log: Logger;
  private readonly unrecorded = new UnrecordedRequests();

  constructor(
    store: RowStore,
    private readonly options: RecorderOptions,
  ) {
    this.log = options.log;
    this.config = { ...options.config };
    this.storage = options.storage;
    this.queue = new MetricsWriteQueue(store, {
      log: options.log,
      now: options.now,
      retentionDays: () => this.config.retentionDays,
      flushDelayMs: options.flushDelayMs,
      maxPending: options.maxPending,
      reopen: options.reopen,
      readOnly: options.readOnly,
    });
  }

  record(row: RequestRow, text?: RequestText): void {
    if (this.closed || this.refusedReadOnly('record')) return;
    try {
      const problem = invalidRowReason(row);
      if (problem) {
        this.log.error(`Request row not recorded: ${problem}.`);
        return;
      }
      const stored = toStoredRequest(row, text, this.config);
      this.queue.pending.add(stored);
      this.tellRecordListeners((listener) => listener.recorded(stored.row));
      this.changed();
    } catch (error) {
      this.log.error(`Recording request ${String(row?.id)} failed: ${describeError(error)}`);
    }
  }

  update(id: string, patch: RowPatch): void {
    if (this.closed || this.refusedReadOnly('update')) return;
    try {
      const problem = invalidPatchReason(patch);
      if (problem) {
        this.log.error(`Update of request ${id} not recorded: ${problem}.`);
        return;
      }
      this.queue.pending.update(id, patch);
      this.tellRecordListeners((listener) => listener.updated(id, patch));
      this.changed();
    } catch (error) {
      this.log.error(`Updating request ${id} failed: ${describeError(error)}`);
    }
  }

  /** Counts a completion request that ends without a row and tells the record listeners (live
   * Prometheus). No change signal: one comes per keystroke, and the request that superseded it
   * records a row (and signals) moments later. */
  countUnrecorded(kind: UnrecordedKind, language: string): void {
    if (this.closed) return;
    this.unrecorded.count(kind, language);
    this.tellRecordListeners((listener) => listener.unrecorded?.(kind, language));
  }

  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void {
    this.update(id, acceptedChars === undefined ? { outcome } : { outcome, acceptedChars });
  }

  snapshot(params: MetricsSnapshotParams = {}): MetricsSnapshot {
    const now = this.options.now();
    const window = snapshotWindow(params, now, this.config.retentionDays);
    const filters = definedFilters(params);
    const query: RowQuery = { ...window, ...filters };
    const recent = Math.max(0, Math.floor(params.recent ?? DEFAULT_RECENT));
    // While backing off from a locked database, queued rows are counted from memory instead.
    if (this.queue.canTry()) this.flush();
    const { pending } = this.queue;
    const stored = readView(this.queue.store, query, recent, this.log, 'the snapshot shows queued rows only');
    const queued =
      pending.rows.length > 0
        ? readView(this.queue.queuedStore(), query, recent, this.log, 'the snapshot leaves queued rows out')
        : EMPTY_VIEW;
    const aggregate = mergeAggregates(stored.aggregate, queued.aggregate);
    const shadow = shadowStats(mergeById(stored.shadows, queued.shadows));
    return {
      generatedAt: now,
      window: { sinceMs: window.sinceMs, untilMs: window.untilMs ?? now },
      filters,
      ...finishAggregate(aggregate, this.config.showEvents),
      beforeRouting: { ...aggregate.beforeRouting, ...this.unrecorded.forFilters(filters) },
      languages: aggregate.languages,
      showEvents: this.config.showEvents,
      memory: this.memory(),
      cache: this.cacheCounters(),
      // Queued updates of rows already written show here at once, in the statistics once written.
      recent: newestFirst(pending.withUpdates(stored.recent), queued.recent).slice(0, recent),
      ...(shadow.length > 0 ? { shadow } : {}),
    };
  }

  /** The rows a snapshot with `params` covers (default window, filters), oldest first: for
   * exports; with `limit`, only the newest that many (the panel's charts), which SQL reads newest
   * first and stops at, so a large window costs no more than `limit` rows. */
  rows(params: MetricsRowsParams = {}): RequestRow[] {
    this.flush();
    const query: RowQuery = { ...snapshotWindow(params, this.options.now(), this.config.retentionDays), ...definedFilters(params) };
    const { limit } = params;
    const { pending } = this.queue;
    const newest = (store: RowStore): RequestRow[] => (limit === undefined ? store.rows(query).reverse() : store.recent(query, limit));
    let stored: RequestRow[] = [];
    try {
      stored = pending.withUpdates(newest(this.queue.store));
    } catch (error) {
      this.log.warn(`Reading request metrics failed (${describeError(error)}); returning queued rows only.`);
    }
    let queued: RequestRow[] = [];
    if (pending.rows.length > 0) {
      try {
        queued = newest(this.queue.queuedStore());
      } catch (error) {
        this.log.warn(`Reading queued request metrics failed (${describeError(error)}); returning stored rows only.`);
      }
    }
    const merged = newestFirst(stored, queued);
    return (limit === undefined ? merged : merged.slice(0, limit)).reverse();
  }

  /**
   * Deletes every stored and queued row (the panel's reset, after the user confirmed); returns
   * how many. Throws when the database refuses the delete, so the user sees that it failed.
   */
  reset(): number {
    if (this.closed || this.refusedReadOnly('reset')) return 0;
    let stored: number;
    try {
      stored = this.queue.store.deleteAll();
    } catch (error) {
      throw new Error(`Resetting request metrics failed (${describeError(error)}); nothing was deleted.`);
    }
    const deleted = stored + this.queue.pending.rows.length;
    this.queue.pending.clear();
    this.unrecorded.clear();
    this.changed();
    return deleted;
  }

  /** Each row as stored and each later patch, synchronously (the live Prometheus feed, H5). */
  onDidRecord(listener: RecordListener): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  private tellRecordListeners(tell: (listener: RecordListener) => void): void {
    for (const listener of this.recordListeners) {
      try {
        tell(listener);
      } catch (error) {
        this.log.error(`A metrics record listener failed: ${describeError(error)}`);
      }
    }
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies changed settings; text columns are filled only for rows recorded from now on. */
  configure(config: MetricsConfig): void {
    this.config = { ...config };
  }

  /** Writes queued rows now; returns false when they stay queued (database busy). */
  flush(): boolean {
    return this.queue.flush();
  }

  /** Writes what is queued and closes the database; synchronous, so it can run at process exit. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.recordListeners.clear();
    this.queue.close();
  }

  private refusedReadOnly(what: string): boolean {
    if (this.options.readOnly) this.log.error(`A read-only metrics recorder was asked to ${what}; ignored.`);
    return this.options.readOnly === true;
  }

  private memory(): MetricsSnapshot['memory'] {
    const usage = process.memoryUsage();
    let models: ModelMemory[] = [];
    try {
      models = this.options.modelMemory?.() ?? [];
    } catch (error) {
      this.log.warn(`Reading the models' memory failed: ${describeError(error)}`);
    }
    return {
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      ...(models.length > 0 ? { models } : {}),
    };
  }

  private changed(): void {
    this.queue.scheduleFlush();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.log.error(`A metrics listener failed: ${describeError(error)}`);
      }
    }
  }

  private cacheCounters(): CacheCounters {
    try {
      return this.options.cacheCounters();
    } catch (error) {
      this.log.warn(`Reading cache counters failed: ${describeError(error)}`);
      return { ...NO_CACHE_COUNTERS };
    }
  }
}
