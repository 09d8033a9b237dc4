/**
 * Rows and row updates waiting to be written. Bounded: while the database stays locked, the
 * oldest entries are dropped beyond `maxPending`, with a warning (not one per dropped row).
 */
import type { Logger } from '../logger';
import type { RequestRow } from '../protocol';
import { applyPatch, type RowUpdate, type StoredRequest, type WriteBatch } from './rowStore';
import type { RowPatch } from './types';

const WARN_EVERY_DROPS = 1000;

export class PendingQueue {
  private inserts: StoredRequest[] = [];
  private updates: RowUpdate[] = [];
  private dropped = 0;

  constructor(
    private readonly maxPending: number,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.inserts.length + this.updates.length;
  }

  /** Queued rows, oldest first. */
  get rows(): StoredRequest[] {
    return this.inserts;
  }

  add(request: StoredRequest): void {
    this.inserts.push(request);
    this.dropOverflow();
  }

  /** An update to a queued row is folded into it; otherwise it waits for its own write. */
  update(id: string, patch: RowPatch): void {
    const queued = this.inserts.find((request) => request.row.id === id);
    if (queued) queued.row = applyPatch(queued.row, patch);
    else this.updates.push({ id, patch });
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

  /** Stored rows with the queued updates applied (in the order they were made). */
  withUpdates(stored: readonly RequestRow[]): RequestRow[] {
    if (this.updates.length === 0) return [...stored];
    const byId = new Map<string, RowPatch[]>();
    for (const { id, patch } of this.updates) byId.set(id, [...(byId.get(id) ?? []), patch]);
    return stored.map((row) => (byId.get(row.id) ?? []).reduce(applyPatch, row));
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
