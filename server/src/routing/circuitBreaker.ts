/**
 * A circuit breaker per backend: after `failureThreshold` consecutive failures (errors or
 * timeouts) it opens and the router stops sending requests there; after `cooldownMs` it lets one
 * probe request through (half-open); the probe's success closes it, its failure opens it again
 * for another cooldown.
 *
 * Time comes from an injected clock so tests can move it without sleeping. The breaker keeps no
 * timers: transitions happen when someone asks (`canRequest`, `record*`).
 */
import type { BreakerState } from '../protocol';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  /** Milliseconds, monotonic; defaults to `performance.now`. */
  now?: () => number;
}

export type BreakerListener = (state: BreakerState) => void;

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  /** When the half-open probe was let through; undefined when none is in flight. */
  private probeStartedAt: number | undefined;
  private readonly listeners = new Set<BreakerListener>();
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions) {
    this.failureThreshold = Math.max(1, Math.floor(options.failureThreshold));
    this.cooldownMs = Math.max(0, options.cooldownMs);
    this.now = options.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Consecutive failures counted so far (reset by a success). */
  get failures(): number {
    return this.consecutiveFailures;
  }

  /**
   * Whether a request may go to the backend now. When the cooldown of an open breaker has passed
   * this moves it to half-open and lets exactly one probe through; further callers wait for the
   * probe's outcome. A probe whose outcome is never recorded (its caller was cancelled) stops
   * blocking after another cooldown, so the breaker cannot stay stuck half-open.
   */
  canRequest(): boolean {
    const now = this.now();
    switch (this.current) {
      case 'closed':
        return true;
      case 'open':
        if (now - this.openedAt < this.cooldownMs) return false;
        this.probeStartedAt = now;
        this.transition('half-open');
        return true;
      case 'half-open':
        if (this.probeStartedAt !== undefined && now - this.probeStartedAt < this.cooldownMs) return false;
        this.probeStartedAt = now;
        return true;
    }
  }

  /** Like `canRequest` but changes nothing: would a request be let through right now? */
  canProbe(): boolean {
    const now = this.now();
    switch (this.current) {
      case 'closed':
        return true;
      case 'open':
        return now - this.openedAt >= this.cooldownMs;
      case 'half-open':
        return this.probeStartedAt === undefined || now - this.probeStartedAt >= this.cooldownMs;
    }
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.probeStartedAt = undefined;
    if (this.current !== 'closed') this.transition('closed');
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.current === 'half-open') {
      this.open();
      return;
    }
    if (this.current === 'closed' && this.consecutiveFailures >= this.failureThreshold) this.open();
  }

  /** Calls `listener` on every state change; returns the function that unsubscribes it. */
  onDidChange(listener: BreakerListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private open(): void {
    this.openedAt = this.now();
    this.probeStartedAt = undefined;
    this.transition('open');
  }

  private transition(next: BreakerState): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of [...this.listeners]) listener(next);
  }
}
