/**
 * Records one row per request without slowing the request path: `record` and `updateOutcome`
 * only queue, and the queue is written in one transaction on a short timer, before a snapshot,
 * and on close. Nothing here throws into the caller.
 *
 * When the database is busy (another process holds the write lock) or the disk refuses the write
 * for now (full, I/O error, read-only, cannot open: see isTransientError) the queue waits, with a
 * growing back-off up to 30 s, and is written once the disk takes it again; snapshots still
 * include queued rows. The queue holds at most `maxPending` rows and updates (default
 * MAX_PENDING_ROWS); beyond that the oldest are dropped, with a warning. Errors that say the
 * handle itself is stale (read-only, cannot open, I/O error) reopen the file before the next
 * attempt. Only damage that no retry can fix (corruption, a missing table) moves the session to
 * an in-memory row store, with one warning saying so.
 */
import { sha256Hex } from '../cache/cacheKey';
import type { CacheCounters } from '../cache/types';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { MetricsSnapshot, MetricsSnapshotParams, Outcome, PromptTrace, RequestRow, ShadowStats } from '../protocol';
import { FailureReporter } from '../storage/failureReporter';
import type { StorageInfo } from '../storage/sqlite';
import { describeError, isRetryableError, isRowError, needsReopen } from '../storage/sqliteErrors';
import { LiveTally } from './liveTally';
import { PendingQueue } from './pendingQueue';
import { MemoryRowStore, type RowStore, type StoredRequest } from './rowStore';
import { shadowStats } from './shadowStats';
import { finishTallies, mergeTallies, tallyRows, type Tallies } from './tally';
import type { MetricsRecorder, RequestText } from './types';
import { invalidRowReason } from './validateRow';
import { redactOptional } from '../redact';

export type MetricsConfig = TandemConfig['metrics'] & { pricePerMillionTokens: number };

const DAY_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
const DEFAULT_RECENT = 50;
/** Rows and outcome updates kept queued while the disk refuses writes (about 1 KB each). */
export const MAX_PENDING_ROWS = 10_000;
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
}

export class SqliteMetricsRecorder implements MetricsRecorder {
  readonly storage: StorageInfo;
  private config: MetricsConfig;
  private store: RowStore;
  private readonly pending: PendingQueue;
  private readonly live = new LiveTally();
  private timer: NodeJS.Timeout | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly busy: FailureReporter;
  private reopenBeforeWrite = false;
  private readonly flushDelayMs: number;
  private readonly log: Logger;

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
    this.busy = new FailureReporter(options.log, `request metrics stay queued in memory (up to ${maxPending}) and are written when it works again`, {
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
        this.log.error(`Request row not recorded: ${problem}.`);
        return;
      }
      this.pending.add(this.toStored(withRedactedText(row), text));
      this.changed();
    } catch (error) {
      this.log.error(`Recording request ${String(row?.id)} failed: ${describeError(error)}`);
    }
  }

  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void {
    if (this.closed) return;
    try {
      this.pending.update({ id, outcome, acceptedChars });
      this.changed();
    } catch (error) {
      this.log.error(`Updating request ${id} failed: ${describeError(error)}`);
    }
  }

  snapshot(params: MetricsSnapshotParams = {}): MetricsSnapshot {
    const now = this.options.now();
    const windowStart = now - this.config.retentionDays * DAY_MS;
    const sinceMs = params.sinceMs ?? windowStart;
    const recent = Math.max(0, Math.floor(params.recent ?? DEFAULT_RECENT));
    // While backing off from a locked database, queued rows are merged in instead of waiting.
    if (this.busy.canTry()) this.flush();
    const stored = this.readStored(params.sinceMs === undefined ? undefined : sinceMs, windowStart, recent);
    // Queued outcome updates of rows already written show in `recent` at once and in the
    // per-backend stats once written.
    const queued = this.pending.rowsSince(sinceMs);
    // The live tally must not absorb queued rows: copy it before merging them in.
    const tallies =
      queued.length === 0
        ? stored.tallies
        : mergeTallies(mergeTallies(new Map(), stored.tallies), tallyRows(queued));
    return {
      generatedAt: now,
      backends: finishTallies(tallies, this.config.pricePerMillionTokens),
      cache: this.cacheCounters(),
      recent: recent === 0 ? [] : this.pending.mergeInto(stored.recent, sinceMs).reverse().slice(0, recent),
      ...this.shadowSummary(sinceMs, queued),
    };
  }

  /** Every retained row (or those since `sinceMs`), oldest first: for exports and reports. */
  rows(sinceMs?: number): RequestRow[] {
    this.flush();
    const since = sinceMs ?? this.options.now() - this.config.retentionDays * DAY_MS;
    let stored: RequestRow[] = [];
    try {
      stored = this.store.rowsSince(since);
    } catch (error) {
      this.log.warn(`Reading request metrics failed (${describeError(error)}); returning queued rows only.`);
    }
    return this.pending.mergeInto(stored, since);
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies changed settings; text columns are filled only for rows recorded from now on. */
  configure(config: MetricsConfig): void {
    if (config.retentionDays !== this.config.retentionDays) this.live.invalidate();
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
      this.live.beforeWrite(batch, (id) => this.store.factsOf(id));
      this.store.write(batch);
    } catch (error) {
      return this.writeFailed(error);
    }
    this.pending.clear();
    this.live.afterWrite(batch);
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
    if (isRowError(error) || this.store instanceof MemoryRowStore) {
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
    this.live.invalidate();
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

  /** `sinceMs` undefined: the default window, served by the live tally. */
  private readStored(
    sinceMs: number | undefined,
    windowStart: number,
    recent: number,
  ): { tallies: Tallies; recent: RequestRow[] } {
    try {
      const tallies =
        sinceMs === undefined
          ? this.live.current(windowStart, this.store.changedElsewhere(), (since) => this.store.tally(since))
          : this.store.tally(sinceMs);
      return { tallies, recent: this.store.recent(sinceMs ?? windowStart, recent).reverse() };
    } catch (error) {
      this.log.warn(
        `Reading request metrics failed (${describeError(error)}); the snapshot shows queued rows only.`,
      );
      return { tallies: new Map(), recent: [] };
    }
  }

  /** Shadow rows are recorded once, complete, and never updated: stored and queued ones add up. */
  private shadowSummary(sinceMs: number, queued: readonly RequestRow[]): { shadow?: ShadowStats[] } {
    const rows = new Map<string, RequestRow>();
    try {
      for (const row of this.store.shadowRows(sinceMs)) rows.set(row.id, row);
    } catch (error) {
      this.log.warn(`Reading shadow comparisons failed (${describeError(error)}); the snapshot shows queued ones only.`);
    }
    for (const row of queued) if (row.shadowOf != null) rows.set(row.id, row);
    const shadow = shadowStats(rows.values());
    return shadow.length > 0 ? { shadow } : {};
  }

  private prune(): void {
    const now = this.options.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    try {
      if (this.store.deleteOlderThan(now - this.config.retentionDays * DAY_MS) > 0) this.live.invalidate();
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
    this.store = new MemoryRowStore();
    this.reopenBeforeWrite = false;
    this.live.invalidate();
    try {
      failed.close();
    } catch {
      // The failure that matters was reported above.
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
