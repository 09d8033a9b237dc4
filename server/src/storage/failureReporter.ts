/**
 * Tracks a streak of storage failures on the request path. It reports without flooding the log
 * (the first failure is a warning, the recovery one info line with the count), and it backs off:
 * better-sqlite3 is synchronous, so each attempt against a locked database freezes the event loop
 * for the whole busy timeout; after a failure, callers skip the database until `retryAt`.
 */
import type { Logger } from '../logger';
import { describeError } from './sqliteErrors';

export interface BackoffOptions {
  now?: () => number;
  /** Wait after the first failure; doubles with each further one. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export class FailureReporter {
  private failing = 0;
  private retryAt = 0;
  private readonly now: () => number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly log: Logger,
    /** What degrades while failing, e.g. 'the disk cache is skipped meanwhile'. */
    private readonly consequence: string,
    options: BackoffOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  /** False while backing off after a failure. */
  canTry(): boolean {
    return this.failing === 0 || this.now() >= this.retryAt;
  }

  /** Call when an operation failed; returns the length of the current streak. */
  failed(operation: string, error: unknown): number {
    if (this.failing === 0) {
      this.log.warn(`${operation} failed (${describeError(error)}); ${this.consequence}.`);
    }
    this.failing++;
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.failing - 1));
    this.retryAt = this.now() + delay;
    return this.failing;
  }

  /** Call when an operation succeeded. */
  succeeded(operation: string): void {
    if (this.failing === 0) return;
    this.log.info(`${operation} works again after ${this.failing} failed attempt(s).`);
    this.failing = 0;
    this.retryAt = 0;
  }

  get streak(): number {
    return this.failing;
  }

  /** Milliseconds until the next attempt is allowed (0 when it is allowed now). */
  get waitMs(): number {
    return this.canTry() ? 0 : this.retryAt - this.now();
  }
}
