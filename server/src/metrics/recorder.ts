/**
 * Records one row per request without slowing the request path: `record` and `updateOutcome`
 * only queue, and the queue is written in one transaction on a short timer, before a snapshot,
 * and on close. Nothing here throws into the caller.
 *
 * When the database is busy (another process holds the write lock) the queue waits for the next
 * flush, bounded by `maxPending`; snapshots still include queued rows. Any other storage failure
 * moves the session to an in-memory row store, with one warning saying what is lost.
 */
import type { CacheCounters } from '../cache/types';
import { sha256Hex } from '../cache/cacheKey';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type {
  MetricsSnapshot,
  MetricsSnapshotParams,
  Outcome,
  RequestRow,
} from '../protocol';
import { FailureReporter } from '../storage/failureReporter';
import type { StorageInfo } from '../storage/sqlite';
import { describeError, isBusyError, isRowError } from '../storage/sqliteErrors';
import { aggregateByBackend } from './aggregates';
import { invalidRowReason } from './validateRow';
import {
  applyUpdate,
  MemoryRowStore,
  type OutcomeUpdate,
  type RowStore,
  type StoredRequest,
} from './rowStore';
import type { MetricsRecorder, RequestText } from './types';

export type MetricsConfig = TandemConfig['metrics'] & { pricePerMillionTokens: number };

const DAY_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
const DEFAULT_RECENT = 50;

export interface RecorderOptions {
  config: MetricsConfig;
  cacheCounters: () => CacheCounters;
  log: Logger;
  now: () => number;
  storage: StorageInfo;
  /** Delay before queued rows are written; default 250 ms. */
  flushDelayMs?: number;
  /** Rows kept queued while the database is busy; the oldest are dropped beyond it. */
  maxPending?: number;
}

export class SqliteMetricsRecorder implements MetricsRecorder {
  readonly storage: StorageInfo;
  private config: MetricsConfig;
  private store: RowStore;
  private inserts: StoredRequest[] = [];
  private updates: OutcomeUpdate[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly busy: FailureReporter;
  private readonly flushDelayMs: number;
  private readonly maxPending: number;

  constructor(
    store: RowStore,
    private readonly options: RecorderOptions,
  ) {
    this.store = store;
    this.config = { ...options.config };
    this.storage = options.storage;
    this.flushDelayMs = options.flushDelayMs ?? 250;
    this.maxPending = options.maxPending ?? 10_000;
    this.busy = new FailureReporter(options.log, 'request metrics stay queued in memory meanwhile', {
      now: options.now,
      initialDelayMs: this.flushDelayMs * 2,
    });
    this.prune();
  }

  record(row: RequestRow, text?: RequestText): void {
    if (this.closed) return;
    try {
      const problem = invalidRowReason(row);
      if (problem) {
        this.options.log.error(`Request row not recorded: ${problem}.`);
        return;
      }
      this.inserts.push(this.toStored(row, text));
      this.dropOverflow();
      this.scheduleFlush();
      this.emit();
    } catch (error) {
      this.options.log.error(`Recording request ${String(row?.id)} failed: ${describeError(error)}`);
    }
  }

  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void {
    if (this.closed) return;
    try {
      const update: OutcomeUpdate = { id, outcome, acceptedChars };
      const queued = this.inserts.find((request) => request.row.id === id);
      if (queued) queued.row = applyUpdate(queued.row, update);
      else this.updates.push(update);
      this.dropOverflow();
      this.scheduleFlush();
      this.emit();
    } catch (error) {
      this.options.log.error(`Updating request ${id} failed: ${describeError(error)}`);
    }
  }

  snapshot(params: MetricsSnapshotParams = {}): MetricsSnapshot {
    const now = this.options.now();
    const sinceMs = params.sinceMs ?? now - this.config.retentionDays * DAY_MS;
    // While backing off from a locked database, queued rows are merged in instead of waiting.
    if (this.busy.canTry()) this.flush();
    const rows = this.rowsSince(sinceMs);
    const recent = Math.max(0, Math.floor(params.recent ?? DEFAULT_RECENT));
    return {
      generatedAt: now,
      backends: aggregateByBackend(rows, { pricePerMillionTokens: this.config.pricePerMillionTokens }),
      cache: this.cacheCounters(),
      recent: recent > 0 ? rows.slice(-recent).reverse() : [],
    };
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
    if (this.inserts.length === 0 && this.updates.length === 0) return true;
    try {
      this.store.write({ inserts: this.inserts, updates: this.updates });
      this.inserts = [];
      this.updates = [];
      this.busy.succeeded('Writing request metrics');
      this.prune();
      return true;
    } catch (error) {
      if (isBusyError(error)) {
        this.busy.failed('Writing request metrics', error);
        this.scheduleFlush();
        return false;
      }
      if (isRowError(error)) {
        // invalidRowReason lets only bindable rows in, so this is a bug: report it, keep going.
        this.options.log.error(
          `${this.inserts.length + this.updates.length} request metric write(s) refused and dropped: ` +
            describeError(error),
        );
        this.inserts = [];
        this.updates = [];
        return false;
      }
      if (this.store instanceof MemoryRowStore) {
        this.options.log.error(`Keeping request metrics in memory failed: ${describeError(error)}`);
        this.inserts = [];
        this.updates = [];
        return false;
      }
      this.degradeToMemory(error);
      return this.flush();
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.listeners.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inserts.length > 0 || this.updates.length > 0) {
      this.options.log.warn(
        `${this.inserts.length} request row(s) could not be written before closing (database busy); they are lost.`,
      );
    }
    try {
      this.store.close();
    } catch (error) {
      this.options.log.warn(`Closing the metrics database failed (${describeError(error)}).`);
    }
  }

  private toStored(row: RequestRow, text: RequestText | undefined): StoredRequest {
    const keepText = this.config.storePrompts && text !== undefined;
    return {
      row: { ...row },
      promptHash: text ? sha256Hex(text.prompt) : null,
      completionHash: text ? sha256Hex(text.completion) : null,
      prompt: keepText ? text.prompt : null,
      completion: keepText ? text.completion : null,
    };
  }

  /** Stored rows plus rows still queued, with queued outcome updates applied. */
  private rowsSince(sinceMs: number): RequestRow[] {
    let stored: RequestRow[] = [];
    try {
      stored = this.store.rowsSince(sinceMs);
    } catch (error) {
      this.options.log.warn(
        `Reading request metrics failed (${describeError(error)}); the snapshot shows queued rows only.`,
      );
    }
    const queued = this.inserts.map((request) => request.row).filter((row) => row.ts >= sinceMs);
    if (queued.length === 0 && this.updates.length === 0) return stored;
    const pendingUpdates = new Map(this.updates.map((update) => [update.id, update]));
    const rows = stored.map((row) => {
      const update = pendingUpdates.get(row.id);
      return update ? applyUpdate(row, update) : row;
    });
    const queuedIds = new Set(queued.map((row) => row.id));
    return [...rows.filter((row) => !queuedIds.has(row.id)), ...queued].sort((a, b) => a.ts - b.ts);
  }

  private prune(): void {
    const now = this.options.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    try {
      this.store.deleteOlderThan(now - this.config.retentionDays * DAY_MS);
      this.lastPruneAt = now;
    } catch (error) {
      if (!isBusyError(error)) this.degradeToMemory(error);
    }
  }

  private degradeToMemory(error: unknown): void {
    this.options.log.warn(
      `The metrics database failed (${describeError(error)}); request metrics are kept in memory ` +
        'for the rest of this session and will be lost when the server stops.',
    );
    const failed = this.store;
    this.store = new MemoryRowStore();
    try {
      failed.close();
    } catch {
      // The failure that matters was reported above.
    }
  }

  private dropOverflow(): void {
    const excess = this.inserts.length + this.updates.length - this.maxPending;
    if (excess <= 0) return;
    const droppedUpdates = Math.min(excess, this.updates.length);
    this.updates.splice(0, droppedUpdates);
    this.inserts.splice(0, excess - droppedUpdates);
    this.options.log.warn(`${excess} queued request metric(s) dropped: the database stayed busy too long.`);
  }

  private scheduleFlush(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(this.flushDelayMs, this.busy.waitMs));
    // A pending flush must not keep a CLI process alive; close() flushes anyway.
    this.timer.unref();
  }

  private cacheCounters(): CacheCounters {
    try {
      return this.options.cacheCounters();
    } catch (error) {
      this.options.log.warn(`Reading cache counters failed: ${describeError(error)}`);
      return { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };
    }
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error(`A metrics listener failed: ${describeError(error)}`);
      }
    }
  }
}
