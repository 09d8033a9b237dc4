/**
 * Records one row per request without slowing the request path: `record` and `updateOutcome`
 * only queue, and the queue is written in one transaction on a short timer, before a snapshot,
 * and on close. Nothing here throws into the caller.
 *
 * When the database is busy (another process holds the write lock) or the disk refuses the write
 * for now (full, I/O error, read-only, cannot open: see isTransientError) the queue waits, with a
 * growing back-off up to 30 s, and is written once the disk takes it again; snapshots still
 * include queued rows (written to an in-memory database with the same schema, so they are
 * counted by the same SQL). The queue holds at most `maxPending` rows and updates (default
 * MAX_PENDING_ROWS); beyond that the oldest are dropped, with a warning. Errors that say the
 * handle itself is stale (read-only, cannot open, I/O error) reopen the file before the next
 * attempt. Only damage that no retry can fix (corruption, a missing table) moves the session to
 * an in-memory SQLite store, with one warning saying so.
 */
import { sha256Hex } from '../cache/cacheKey';
import type { CacheCounters } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsRowsParams, MetricsSnapshot, MetricsSnapshotParams, ModelMemory, Outcome, PromptTrace, RequestRow } from '../protocol';
import { redactOptional } from '../redact';
import { FailureReporter } from '../storage/failureReporter';
import type { StorageInfo } from '../storage/sqlite';
import { describeError, isRetryableError, isRowError, needsReopen } from '../storage/sqliteErrors';
import { priceRow, type CostBasis } from './cost';
import { PendingQueue } from './pendingQueue';
import { UnavailableRowStore, type RowQuery, type RowStore, type StoredRequest } from './rowStore';
import { shadowStats } from './shadowStats';
import { openMemoryRowStore } from './store';
import { emptyAggregate, finishAggregate, mergeAggregates, type StoreAggregate } from './tally';
import type { MetricsRecorder, RequestText, RowPatch } from './types';
import { UnrecordedRequests, type UnrecordedKind } from './unrecordedRequests';
import { invalidPatchReason, invalidRowReason } from './validateRow';
import { DAY_MS, snapshotWindow } from './window';

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

const PRUNE_EVERY_MS = 3600 * 1000;
const DEFAULT_RECENT = 50;
/** Rows and outcome updates kept queued while the disk refuses writes (about 1 KB each). */
export const MAX_PENDING_ROWS = 10_000;
/** Rows kept by the in-memory store that replaces a damaged file for the rest of the session. */
const MEMORY_MAX_ROWS = 50_000;
const NO_CACHE_COUNTERS: CacheCounters = { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };

/** What one store yields for a snapshot. */
interface StoreView {
  aggregate: StoreAggregate;
  recent: RequestRow[];
  shadows: RequestRow[];
}

const EMPTY_VIEW: StoreView = { aggregate: emptyAggregate(), recent: [], shadows: [] };

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
  private store: RowStore;
  private readonly pending: PendingQueue;
  /** An in-memory database the queued rows are copied into, to count them with the same SQL. */
  private scratch: RowStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly recordListeners = new Set<RecordListener>();
  private readonly busy: FailureReporter;
  private reopenBeforeWrite = false;
  private readonly flushDelayMs: number;
  private readonly log: Logger;
  private readonly unrecorded = new UnrecordedRequests();

  constructor(
    store: RowStore,
    private readonly options: RecorderOptions,
  ) {
    this.store = store;
    this.log = options.log;
    this.config = { ...options.config };
    this.storage = options.storage;
    this.flushDelayMs = options.flushDelayMs ?? 250;
    const maxPending = options.maxPending ?? MAX_PENDING_ROWS;
    this.pending = new PendingQueue(maxPending, options.log);
    this.busy = new FailureReporter(
      options.log,
      `request metrics stay queued in memory (up to ${maxPending}) and are written when it works again`,
      {
        now: options.now,
        initialDelayMs: this.flushDelayMs * 2,
      },
    );
    this.prune();
  }

  record(row: RequestRow, text?: RequestText): void {
    if (this.closed || this.refusedReadOnly('record')) return;
    try {
      const problem = invalidRowReason(row);
      if (problem) {
        this.log.error(`Request row not recorded: ${problem}.`);
        return;
      }
      const priced = row.costUsd === undefined ? { ...row, ...priceRow(row, this.config.cost) } : row;
      const stored = this.toStored(withRedactedText(priced), text);
      this.pending.add(stored);
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
      this.pending.update(id, patch);
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
    if (this.busy.canTry()) this.flush();
    const stored = this.readView(this.store, query, recent, 'the snapshot shows queued rows only');
    const queued =
      this.pending.rows.length > 0
        ? this.readView(this.scratchWithQueued(), query, recent, 'the snapshot leaves queued rows out')
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
      recent: this.newestFirst(this.pending.withUpdates(stored.recent), queued.recent).slice(0, recent),
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
    const newest = (store: RowStore): RequestRow[] => (limit === undefined ? store.rows(query).reverse() : store.recent(query, limit));
    let stored: RequestRow[] = [];
    try {
      stored = this.pending.withUpdates(newest(this.store));
    } catch (error) {
      this.log.warn(`Reading request metrics failed (${describeError(error)}); returning queued rows only.`);
    }
    let queued: RequestRow[] = [];
    if (this.pending.rows.length > 0) {
      try {
        queued = newest(this.scratchWithQueued());
      } catch (error) {
        this.log.warn(`Reading queued request metrics failed (${describeError(error)}); returning stored rows only.`);
      }
    }
    const merged = this.newestFirst(stored, queued);
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
      stored = this.store.deleteAll();
    } catch (error) {
      throw new Error(`Resetting request metrics failed (${describeError(error)}); nothing was deleted.`);
    }
    const deleted = stored + this.pending.rows.length;
    this.pending.clear();
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return true;
    const batch = this.pending.batch();
    try {
      if (this.reopenBeforeWrite) this.reopen();
      this.store.write(batch);
    } catch (error) {
      return this.writeFailed(error);
    }
    this.pending.clear();
    this.busy.succeeded('Writing request metrics');
    this.prune();
    return true;
  }

  /** Writes what is queued and closes the database; synchronous, so it can run at process exit. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.listeners.clear();
    this.recordListeners.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      this.log.warn(
        `${this.pending.size} request metric write(s) were still queued at close ` +
          `(the database refused them: ${this.busy.streak} failed attempt(s)); they are lost.`,
      );
    }
    try {
      this.store.close();
      this.scratch?.close();
    } catch (error) {
      this.log.warn(`Closing the metrics database failed (${describeError(error)}).`);
    }
  }

  private writeFailed(error: unknown): boolean {
    if (isRetryableError(error)) {
      this.busy.failed('Writing request metrics', error);
      if (needsReopen(error) && this.options.reopen) this.reopenBeforeWrite = true;
      this.scheduleFlush();
      return false;
    }
    if (isRowError(error) || this.store.inMemory) {
      // invalidRowReason lets only bindable rows in, so this is a bug: report it, keep going.
      const count = this.pending.size;
      this.log.error(`${count} request metric write(s) refused and dropped: ${describeError(error)}`);
      this.pending.clear();
      return false;
    }
    this.degradeToMemory(error);
    return this.flush();
  }

  /** Replaces the store with a fresh handle on the same file; throws (store unchanged) on failure. */
  private reopen(): void {
    const reopen = this.options.reopen;
    if (!reopen) return;
    const fresh = reopen();
    const stale = this.store;
    this.store = fresh;
    this.reopenBeforeWrite = false;
    try {
      stale.close();
    } catch {
      // The handle was already failing; closing it is best effort.
    }
  }

  private toStored(row: RequestRow, text: RequestText | undefined): StoredRequest {
    const keepText = this.config.storePrompts && text !== undefined;
    // The trace's sources always; their text only under the same setting as the prompt's.
    const trace = row.promptTrace && !this.config.storePrompts ? { promptTrace: withoutText(row.promptTrace) } : {};
    return {
      row: { ...row, ...trace },
      promptHash: text ? sha256Hex(text.prompt) : null,
      completionHash: text ? sha256Hex(text.completion) : null,
      prompt: keepText ? text.prompt : null,
      completion: keepText ? text.completion : null,
    };
  }

  /** What `store` holds for `query`; empty (with a warning saying `otherwise`) when reading fails. */
  private readView(store: RowStore, query: RowQuery, recent: number, otherwise: string): StoreView {
    try {
      return { aggregate: store.aggregate(query), recent: store.recent(query, recent), shadows: store.shadowRows(query) };
    } catch (error) {
      this.log.warn(`Reading request metrics failed (${describeError(error)}); ${otherwise}.`);
      return EMPTY_VIEW;
    }
  }

  /** The scratch store holding exactly the queued rows (their queued updates folded in). */
  private scratchWithQueued(): RowStore {
    // Rewritten before every read: caching its time buckets would only cost.
    this.scratch ??= this.memoryStore({ cacheBuckets: false });
    this.scratch.deleteAll();
    this.scratch.write({ inserts: this.pending.rows, updates: [] });
    return this.scratch;
  }

  /** Stored and queued rows, each newest first, as one list newest first; a queued row replaces
   * a stored one of the same id (it will, once written). */
  private newestFirst(stored: readonly RequestRow[], queued: readonly RequestRow[]): RequestRow[] {
    if (queued.length === 0) return [...stored];
    const queuedIds = new Set(queued.map((row) => row.id));
    // Stable sort: at equal ts the queued (newer) rows stay first.
    return [...queued, ...stored.filter((row) => !queuedIds.has(row.id))].sort((a, b) => b.ts - a.ts);
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

  private prune(): void {
    // A reader (tandem report) must leave the file as it found it.
    if (this.options.readOnly) return;
    const now = this.options.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    try {
      this.store.deleteOlderThan(now - this.config.retentionDays * DAY_MS);
      this.lastPruneAt = now;
    } catch (error) {
      // Pruning waits for the next hour when the disk refuses it; only damage goes to memory.
      if (!isRetryableError(error)) this.degradeToMemory(error);
    }
  }

  private degradeToMemory(error: unknown): void {
    this.log.warn(
      `The metrics database failed (${describeError(error)}); request metrics are kept in memory ` +
        'for the rest of this session and will be lost when the server stops.',
    );
    const failed = this.store;
    this.store = this.memoryStore();
    this.reopenBeforeWrite = false;
    try {
      failed.close();
    } catch {
      // The failure that matters was reported above.
    }
  }

  /** SQLite in memory; nothing at all when SQLite cannot run in this process. */
  private memoryStore(options: { cacheBuckets?: boolean } = {}): RowStore {
    try {
      return openMemoryRowStore({ maxRows: MEMORY_MAX_ROWS, now: this.options.now, ...options });
    } catch (error) {
      this.log.warn(`SQLite cannot run in memory either (${describeError(error)}); request metrics are not kept.`);
      return new UnavailableRowStore();
    }
  }

  private changed(): void {
    this.scheduleFlush();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.log.error(`A metrics listener failed: ${describeError(error)}`);
      }
    }
  }

  private scheduleFlush(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush();
      },
      Math.max(this.flushDelayMs, this.busy.waitMs),
    );
    // A pending flush must not keep a CLI process alive; close() flushes anyway.
    this.timer.unref();
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

/** The row's free-text fields quote endpoints and errors: redact them before they are stored. */
function withRedactedText(row: RequestRow): RequestRow {
  if (!row.errorClass && !row.fallbackReason) return row;
  return { ...row, errorClass: redactOptional(row.errorClass) ?? null, fallbackReason: redactOptional(row.fallbackReason) ?? null };
}

/** A prompt trace as stored when prompt text must not be kept: its sources without their text. */
function withoutText(trace: PromptTrace): PromptTrace {
  return { ...trace, sources: trace.sources.map(({ text: _text, ...source }) => source) };
}

/** The params' filters that are set (the snapshot echoes them). */
function definedFilters(params: MetricsSnapshotParams): MetricsSnapshot['filters'] {
  return {
    ...(params.task !== undefined ? { task: params.task } : {}),
    ...(params.language !== undefined ? { language: params.language } : {}),
    ...(params.backend !== undefined ? { backend: params.backend } : {}),
  };
}

function mergeById(stored: readonly RequestRow[], queued: readonly RequestRow[]): RequestRow[] {
  const rows = new Map<string, RequestRow>();
  for (const row of [...stored, ...queued]) rows.set(row.id, row);
  return [...rows.values()];
}
