/**
 * Hedged requests (`routing.hedgeMs`): start the first backend; if it has produced no text
 * within the budget, start the second as well. Whichever produces text first wins: its stream
 * goes to the caller from its first delta on, and the other is aborted at once. A leg that
 * fails before anyone won leaves the other to carry on; if the failure comes before the hedge
 * timer fired, the second starts straight away, as an ordinary fallback would.
 *
 * Each leg has its own AbortController, aborted with the caller's signal, when it loses, or when
 * the run ends; the timer and the caller listener are removed when the run settles, so nothing
 * outlives it. The run resolves as soon as the outcome is known: it does not wait for an aborted
 * loser to wind down (its promise is still observed, so its failure is never unhandled).
 *
 * Breakers and latency are the caller's business (router.ts): `run` reports success or a real
 * failure there, and a leg aborted here is neither.
 */
import type { Backend } from '../backends/backend';
import type { HedgeRecord } from './types';

/** The abort reason a losing leg sees: another backend answered first. */
export class HedgeLostError extends Error {
  constructor(readonly winner: Backend['id']) {
    super(`The ${winner} backend answered first; this hedged request was no longer needed.`);
    this.name = 'HedgeLostError';
  }
}

export interface HedgeOptions<T> {
  first: Backend;
  second: Backend;
  hedgeMs: number;
  /** The caller's signal: aborting it aborts both legs. */
  signal: AbortSignal;
  now: () => number;
  /** Asked when the second leg's turn comes (its breaker may refuse by then). */
  mayStart: (backend: Backend) => boolean;
  /** Runs one leg to completion; `onText` must see its deltas as they arrive. */
  run: (backend: Backend, signal: AbortSignal, onText: (delta: string) => void) => Promise<T>;
  /** The winner's deltas, from its first one on; a loser's text never reaches it. */
  onText: (delta: string, backend: Backend) => void;
}

export type LegState = 'running' | 'won' | 'finished' | 'failed' | 'cancelled';

export interface HedgeLeg {
  backend: Backend;
  /** ms after the run began. */
  startedAtMs: number;
  endedAtMs?: number;
  state: LegState;
  /** Set when the leg failed on its own (not when the hedge or the caller aborted it). */
  error?: unknown;
}

export interface HedgeOutcome<T> {
  /** The winner's finished generation; absent when no leg finished or the caller cancelled. */
  result?: T;
  winner?: Backend;
  /** In start order. */
  legs: HedgeLeg[];
  /** 'hedge': the timer started the second leg; 'fallback': the first failed before it fired. */
  secondStartedBy?: 'hedge' | 'fallback';
  /** The caller's signal aborted the run. */
  cancelled: boolean;
}

export function runHedged<T>(options: HedgeOptions<T>): Promise<HedgeOutcome<T>> {
  return new Promise((resolve) => new HedgeRun(options, resolve).begin());
}

interface Leg extends HedgeLeg {
  controller: AbortController;
}

class HedgeRun<T> {
  private readonly legs: Leg[] = [];
  private readonly began: number;
  private winner: Leg | undefined;
  private result: T | undefined;
  private secondStartedBy: HedgeOutcome<T>['secondStartedBy'];
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    private readonly options: HedgeOptions<T>,
    private readonly resolve: (outcome: HedgeOutcome<T>) => void,
  ) {
    this.began = options.now();
  }

  begin(): void {
    const { signal } = this.options;
    if (signal.aborted) return this.finish(true);
    signal.addEventListener('abort', this.onCallerAbort, { once: true });
    // Armed before the first leg starts, so a leg that answers at once still clears it.
    this.timer = setTimeout(() => this.onHedgeTimer(), this.options.hedgeMs);
    this.start(this.options.first);
  }

  private start(backend: Backend): void {
    const leg: Leg = { backend, controller: new AbortController(), startedAtMs: this.elapsed(), state: 'running' };
    this.legs.push(leg);
    // `new Promise` also catches a `run` that throws before returning its promise.
    new Promise<T>((resolve) => resolve(this.options.run(backend, leg.controller.signal, (delta) => this.onDelta(leg, delta)))).then(
      (result) => this.onDone(leg, result),
      (error: unknown) => this.onFail(leg, error),
    );
  }

  private readonly onCallerAbort = (): void => {
    for (const leg of this.legs) this.stop(leg, this.options.signal.reason);
    this.finish(true);
  };

  private onHedgeTimer(): void {
    this.timer = undefined;
    if (this.settled || this.winner || this.legs.length > 1) return;
    if (!this.options.mayStart(this.options.second)) return;
    this.secondStartedBy = 'hedge';
    this.start(this.options.second);
  }

  private onDelta(leg: Leg, delta: string): void {
    if (this.settled || leg.state === 'cancelled') return;
    if (!this.winner) this.win(leg);
    if (this.winner === leg) this.options.onText(delta, leg.backend);
  }

  private onDone(leg: Leg, result: T): void {
    // A loser that finished before its abort took effect: the winner's answer is the one shown.
    if (this.settled || leg.state === 'cancelled') return;
    // A leg that finishes with no text at all (an empty answer) is still a complete answer.
    if (!this.winner) this.win(leg);
    leg.state = 'finished';
    leg.endedAtMs = this.elapsed();
    this.result = result;
    this.finish(false);
  }

  private onFail(leg: Leg, error: unknown): void {
    if (this.settled || leg.state === 'cancelled') return;
    leg.state = 'failed';
    leg.endedAtMs = this.elapsed();
    leg.error = error;
    // The winner broke mid-stream (the other was already stopped): the router decides what next.
    if (this.winner === leg) return this.finish(false);
    if (this.legs.some((other) => other.state === 'running')) return;
    if (this.legs.length === 1) {
      this.clearTimer();
      if (this.options.mayStart(this.options.second)) {
        this.secondStartedBy = 'fallback';
        return this.start(this.options.second);
      }
    }
    this.finish(false);
  }

  private win(leg: Leg): void {
    this.winner = leg;
    leg.state = 'won';
    this.clearTimer();
    for (const other of this.legs) if (other !== leg) this.stop(other, new HedgeLostError(leg.backend.id));
  }

  private stop(leg: Leg, reason: unknown): void {
    if (leg.state !== 'running' && leg.state !== 'won') return;
    leg.state = 'cancelled';
    leg.endedAtMs = this.elapsed();
    leg.controller.abort(reason);
  }

  private finish(cancelled: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimer();
    this.options.signal.removeEventListener('abort', this.onCallerAbort);
    for (const leg of this.legs) if (leg.state === 'running') this.stop(leg, new Error('The hedged request ended.'));
    this.resolve({
      ...(this.result !== undefined && !cancelled ? { result: this.result } : {}),
      ...(this.winner ? { winner: this.winner.backend } : {}),
      legs: this.legs.map(({ controller: _controller, ...leg }) => leg),
      ...(this.secondStartedBy ? { secondStartedBy: this.secondStartedBy } : {}),
      cancelled,
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private elapsed(): number {
    return this.options.now() - this.began;
  }
}

/**
 * What the metrics row and the RoutedGeneration say about a hedge that really happened (the
 * timer started the second leg and someone won); undefined otherwise.
 */
export function hedgeRecord<T>(outcome: HedgeOutcome<T>, describeError: (error: unknown) => string): HedgeRecord | undefined {
  const second = outcome.legs[1];
  if (outcome.secondStartedBy !== 'hedge' || !outcome.winner || !second) return undefined;
  const winner = outcome.winner;
  const loser = outcome.legs.find((leg) => leg.backend !== winner);
  return {
    afterMs: second.startedAtMs,
    started: outcome.legs.map((leg) => leg.backend.id),
    winner: winner.id,
    ...(loser
      ? {
          loser: {
            backend: loser.backend.id,
            outcome: loser.state === 'failed' ? 'error' : 'cancelled',
            ranMs: (loser.endedAtMs ?? loser.startedAtMs) - loser.startedAtMs,
            ...(loser.state === 'failed' ? { error: describeError(loser.error) } : {}),
          },
        }
      : {}),
  };
}

/** "hedged after 300 ms, local won" (+ "; offload failed" when the loser failed on its own). */
export function describeHedge(record: HedgeRecord): string {
  const failed = record.loser?.outcome === 'error' ? `; ${record.loser.backend} failed` : '';
  return `hedged after ${Math.round(record.afterMs)} ms, ${record.winner} won${failed}`;
}
