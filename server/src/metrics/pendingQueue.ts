/**
 * Rows and outcome updates waiting to be written. Bounded: while the database stays locked, the
 * oldest entries are dropped beyond `maxPending`, with a warning (not one per dropped row).
 */
import type { Logger } from '../logger';
import type { RequestRow } from '../protocol';
import { applyUpdate, type OutcomeUpdate, type StoredRequest, type WriteBatch } from './rowStore';

const WARN_EVERY_DROPS = 1000;

export class PendingQueue {
  private inserts: StoredRequest[] = [];
  private updates: OutcomeUpdate[] = [];
  private dropped = 0;

  constructor(
    private readonly maxPending: number,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.inserts.length + this.updates.length;
  }

  add(request: StoredRequest): void {
    this.inserts.push(request);
    this.dropOverflow();
  }

  /** An update to a queued row is folded into it; otherwise it waits for its own write. */
  update(update: OutcomeUpdate): void {
    const queued = this.inserts.find((request) => request.row.id === update.id);
    if (queued) queued.row = applyUpdate(queued.row, update);
    else this.updates.push(update);
    this.dropOverflow();
  }

  /** Everything queued, for one write. Call `clear` once it is written. */
  batch(): WriteBatch {
    return { inserts: this.inserts, updates: this.updates };
  }

  clear(): void {
    this.inserts = [];
    this.updates = [];
  }

  rowsSince(sinceMs: number): RequestRow[] {
    return this.inserts.map((request) => request.row).filter((row) => row.ts >= sinceMs);
  }

  /** Stored rows with queued updates applied, plus queued rows since `sinceMs`; oldest first. */
  mergeInto(stored: readonly RequestRow[], sinceMs: number): RequestRow[] {
    const queued = this.rowsSince(sinceMs);
    if (queued.length === 0 && this.updates.length === 0) return [...stored];
    const pendingUpdates = new Map(this.updates.map((update) => [update.id, update]));
    const queuedIds = new Set(queued.map((row) => row.id));
    const rows = stored
      .filter((row) => !queuedIds.has(row.id))
      .map((row) => {
        const update = pendingUpdates.get(row.id);
        return update ? applyUpdate(row, update) : row;
      });
    return [...rows, ...queued].sort((a, b) => a.ts - b.ts);
  }

  private dropOverflow(): void {
    const excess = this.size - this.maxPending;
    if (excess <= 0) return;
    const droppedUpdates = Math.min(excess, this.updates.length);
    this.updates.splice(0, droppedUpdates);
    this.inserts.splice(0, excess - droppedUpdates);
    if (this.dropped % WARN_EVERY_DROPS === 0) {
      this.log.warn(
        `Request metrics are being dropped (${this.dropped + excess} so far): the database stayed ` +
          `busy while more than ${this.maxPending} waited to be written.`,
      );
    }
    this.dropped += excess;
  }
}
