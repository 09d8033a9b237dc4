/**
 * Keeps the tally of the default snapshot window current without re-reading the database: it is
 * computed once, then every successful write is added in. Recomputed when that cannot be exact:
 * another connection wrote (SQLite's data_version changed), rows were pruned, a row was replaced,
 * or an outcome update targets an unknown row or moves a generation in or out of the latency
 * summaries. Without it a snapshot over 100k retained rows re-reads them
 * all and blocks the event loop for hundreds of milliseconds.
 *
 * Rows that age out of the window between prunes (at most an hour apart) stay counted until then.
 */
import type { BackendId, CacheTier, Outcome } from '../protocol';
import type { WriteBatch } from './rowStore';
import { countOutcome, isGenerated, tallyOf, tallyRows, type Tallies } from './tally';

export interface RowFacts {
  ts: number;
  backend: BackendId | null;
  cacheTier: CacheTier;
  outcome: Outcome;
}

export class LiveTally {
  private tallies: Tallies | undefined;
  private windowStart = 0;
  /** Insertion-ordered, so the oldest are forgotten first. */
  private readonly facts = new Map<string, RowFacts>();

  constructor(private readonly maxRemembered = 5000) {}

  /** The current tally; `compute` reads the store when a fresh one is needed. */
  current(windowStart: number, changedElsewhere: boolean, compute: (sinceMs: number) => Tallies): Tallies {
    if (!this.tallies || changedElsewhere) {
      this.tallies = compute(windowStart);
      this.windowStart = windowStart;
    }
    return this.tallies;
  }

  /**
   * Call before `batch` is written: learns, from the store, the current outcome of rows that
   * updates target and that this process does not remember (written before it started, or long
   * ago), so that updating them does not force a recount.
   */
  beforeWrite(batch: WriteBatch, lookup: (id: string) => RowFacts | undefined): void {
    if (!this.tallies) return;
    for (const update of batch.updates) {
      if (this.facts.has(update.id)) continue;
      const facts = lookup(update.id);
      if (facts) this.remember(update.id, facts);
    }
  }

  /** Call after `batch` was written. */
  afterWrite(batch: WriteBatch): void {
    for (const { row } of batch.inserts) {
      // A replaced row would be counted twice.
      if (this.facts.has(row.id)) this.invalidate();
      const { ts, backend, cacheTier, outcome } = row;
      this.remember(row.id, { ts, backend, cacheTier, outcome });
    }
    if (this.tallies) {
      const rows = batch.inserts.map((request) => request.row).filter((row) => row.ts >= this.windowStart);
      tallyRows(rows, this.tallies);
    }
    for (const update of batch.updates) {
      const facts = this.facts.get(update.id);
      if (!facts) {
        this.invalidate();
        continue;
      }
      this.applyOutcome(facts, update.outcome);
      facts.outcome = update.outcome;
    }
  }

  invalidate(): void {
    this.tallies = undefined;
  }

  private applyOutcome(facts: RowFacts, outcome: Outcome): void {
    if (!this.tallies || facts.backend === null || facts.ts < this.windowStart) return;
    const changesLatencies =
      facts.cacheTier === 'none' && isGenerated(facts.outcome) !== isGenerated(outcome);
    if (changesLatencies) {
      this.invalidate();
      return;
    }
    const tally = tallyOf(this.tallies, facts.backend);
    countOutcome(tally, facts.outcome, -1);
    countOutcome(tally, outcome, 1);
  }

  private remember(id: string, facts: RowFacts): void {
    this.facts.delete(id);
    this.facts.set(id, facts);
    if (this.facts.size > this.maxRemembered) {
      const oldest = this.facts.keys().next().value;
      if (oldest !== undefined) this.facts.delete(oldest);
    }
  }
}
