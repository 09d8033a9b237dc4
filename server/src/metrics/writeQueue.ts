/**
 * The recorder's write side: the store rows are written to, the queue of rows and updates
 * waiting for it, and what happens when the disk refuses a write. The queue is written in one
 * transaction on a short timer (and on flush/close); a busy or refusing database (see
 * isRetryableError) is retried with a growing back-off (FailureReporter), errors that leave the
 * handle stale reopen the file before the next attempt, and only damage no retry can fix moves
 * the session to an in-memory SQLite store, with one warning saying so. Also prunes rows older
 * than the retention, at most once an hour, never in a read-only recorder.
 */
import type { Logger } from '../logger';
import { FailureReporter } from '../storage/failureReporter';
import { describeError, isRetryableError, isRowError, needsReopen } from '../storage/sqliteErrors';
import { PendingQueue } from './pendingQueue';
import { UnavailableRowStore, type RowStore } from './rowStore';
import { openMemoryRowStore } from './store';
import { DAY_MS } from './window';

const PRUNE_EVERY_MS = 3600 * 1000;
/** Rows and outcome updates kept queued while the disk refuses writes (about 1 KB each). */
export const MAX_PENDING_ROWS = 10_000;
/** Rows kept by the in-memory store that replaces a damaged file for the rest of the session. */
const MEMORY_MAX_ROWS = 50_000;

export interface WriteQueueOptions {
  log: Logger;
  now: () => number;
  /** The retention rows are pruned by; read on each prune, so changed settings apply. */
  retentionDays: () => number;
  /** Delay before queued rows are written; default 250 ms. */
  flushDelayMs?: number;
  /** Rows kept queued while the database refuses writes; the oldest are dropped beyond it. */
  maxPending?: number;
  /** Opens the database file again (throws when it cannot). Absent for in-memory stores. */
  reopen?: () => RowStore;
  /** Never prunes: a reader must leave the file as it found it. */
  readOnly?: boolean;
}

export class MetricsWriteQueue {
  readonly pending: PendingQueue;
  private current: RowStore;
  /** An in-memory database the queued rows are copied into, to count them with the same SQL. */
  private scratch: RowStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly busy: FailureReporter;
  private reopenBeforeWrite = false;
  private readonly flushDelayMs: number;
  private readonly log: Logger;

  constructor(
    store: RowStore,
    private readonly options: WriteQueueOptions,
  ) {
    this.current = store;
    this.log = options.log;
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

  /** The store written to: the file, or the in-memory store that replaced a damaged one. */
  get store(): RowStore {
    return this.current;
  }

  /** False while backing off from a database that refused the last write. */
  canTry(): boolean {
    return this.busy.canTry();
  }

  /** Writes queued rows now; returns false when they stay queued (database busy). */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return true;
    const batch = this.pending.batch();
    try {
      if (this.reopenBeforeWrite) this.reopen();
      this.current.write(batch);
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      this.log.warn(
        `${this.pending.size} request metric write(s) were still queued at close ` +
          `(the database refused them: ${this.busy.streak} failed attempt(s)); they are lost.`,
      );
    }
    try {
      this.current.close();
      this.scratch?.close();
    } catch (error) {
      this.log.warn(`Closing the metrics database failed (${describeError(error)}).`);
    }
  }

  /** The scratch store holding exactly the queued rows (their queued updates folded in). */
  queuedStore(): RowStore {
    // Rewritten before every read: caching its time buckets would only cost.
    this.scratch ??= this.memoryStore({ cacheBuckets: false });
    this.scratch.deleteAll();
    this.scratch.write({ inserts: this.pending.rows, updates: [] });
    return this.scratch;
  }

  /** Starts the flush timer unless one runs; waits out the back-off while the disk refuses. */
  scheduleFlush(): void {
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

  private writeFailed(error: unknown): boolean {
    if (isRetryableError(error)) {
      this.busy.failed('Writing request metrics', error);
      if (needsReopen(error) && this.options.reopen) this.reopenBeforeWrite = true;
      this.scheduleFlush();
      return false;
    }
    if (isRowError(error) || this.current.inMemory) {
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
    const stale = this.current;
    this.current = fresh;
    this.reopenBeforeWrite = false;
    try {
      stale.close();
    } catch {
      // The handle was already failing; closing it is best effort.
    }
  }

  private prune(): void {
    // A reader (tandem report) must leave the file as it found it.
    if (this.options.readOnly) return;
    const now = this.options.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    try {
      this.current.deleteOlderThan(now - this.options.retentionDays() * DAY_MS);
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
    const failed = this.current;
    this.current = this.memoryStore();
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
}
