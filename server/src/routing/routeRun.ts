/**
 * One routed request's running state, and the bookkeeping of its attempts: each attempt is
 * tracked from its start; it is settled when it answered or its failure was noted, and one left
 * open when the request ended is what the request was interrupted during (issue 11: such a
 * request belongs to that attempt's backend, never to none).
 */
import type { BackendError, Backend, GenerateRequest } from '../backends/backend';
import type { Task } from '../protocol';
import type { AttemptLimits } from './attempt';
import type { InterruptedAttempt } from './failedAttempts';
import type { FailedAttempt, RouteContext } from './types';

export type Build = (backend: Backend) => GenerateRequest;
export type OnText = (delta: string, backend: Backend, reset: boolean) => void;

/** One routed request's running state: what was streamed, why earlier backends were left. */
export interface Run {
  context: RouteContext;
  build: Build;
  signal: AbortSignal;
  onText: OnText | undefined;
  started: number;
  emitted: boolean;
  fallbackReason?: string;
  lastError?: BackendError;
  /** Every attempt that failed on its own (or ran into the caller's deadline), in order. */
  failures: FailedAttempt[];
  /** Every attempt started, in order: what the request was waiting on when it ended. */
  attempts: StartedAttempt[];
  /** First-token and stall budgets of an offload attempt that has a fallback behind it. */
  offloadLimits?: AttemptLimits;
}

/**
 * One attempt of a run. Settled when it answered or its failure was noted; an abort leaves it
 * open, and the end of the run decides what it was (a timeout of its backend, or the attempt a
 * cancelled request was waiting on).
 */
export interface StartedAttempt {
  backend: Backend;
  began: number;
  /** The signal the attempt ran under: the caller's, or a hedge leg's own. */
  signal: AbortSignal;
  settled: boolean;
}

/** The attempts still open when the run ended; a hedge leg its rival stopped is not one of them. */
export function openAttempts(run: Run): StartedAttempt[] {
  return run.attempts.filter((attempt) => !attempt.settled && (!attempt.signal.aborted || attempt.signal.reason === run.signal.reason));
}

/** The failure row of `attempt` (its backend, model and how long it ran until `now`). */
export function failedAttemptRow(run: Run, attempt: StartedAttempt, failure: BackendError, now: number): FailedAttempt {
  return {
    backend: attempt.backend.id,
    model: modelOf(attempt.backend, run.context.task),
    errorClass: failure.name,
    message: failure.message,
    ranMs: now - attempt.began,
  };
}

/** `attempt` as the one a cancelled request was waiting on at `now`. */
export function interruptedAttemptRow(run: Run, attempt: StartedAttempt, now: number): InterruptedAttempt {
  return { backend: attempt.backend.id, model: modelOf(attempt.backend, run.context.task), ranMs: now - attempt.began };
}

function modelOf(backend: Backend, task: Task): string {
  return backend.modelFor?.(task) ?? backend.model;
}
