/**
 * The attempts of a routed request that ended in an error: the error the router throws is the
 * last backend's own (its class is what rows and messages show), so the attempts travel beside
 * it instead of wrapping it.
 * - failed attempts: each failed on its own (or ran into the caller's deadline), in order;
 * - the interrupted attempt: the one the request was waiting on when it was cancelled, so the
 *   cancellation is counted for that backend (issue 11) rather than for no backend.
 */
import type { BackendId } from '../protocol';
import type { FailedAttempt } from './types';

/** The attempt a cancelled request was waiting on. */
export interface InterruptedAttempt {
  backend: BackendId;
  model: string;
  /** How long it ran before the cancellation stopped it. */
  ranMs: number;
}

const attempts = new WeakMap<object, FailedAttempt[]>();
const interrupted = new WeakMap<object, InterruptedAttempt>();

export function attachFailedAttempts<E>(error: E, failed: readonly FailedAttempt[]): E {
  if (typeof error === 'object' && error !== null && failed.length > 0) attempts.set(error, [...failed]);
  return error;
}

/** The attempts that failed before `error` ended the request (the last is usually its cause). */
export function failedAttemptsOf(error: unknown): FailedAttempt[] {
  return (typeof error === 'object' && error !== null && attempts.get(error)) || [];
}

export function attachInterruptedAttempt<E>(error: E, attempt: InterruptedAttempt | undefined): E {
  if (typeof error === 'object' && error !== null && attempt) interrupted.set(error, { ...attempt });
  return error;
}

/** The attempt that was running when a cancellation ended the request, if one was. */
export function interruptedAttemptOf(error: unknown): InterruptedAttempt | undefined {
  return typeof error === 'object' && error !== null ? interrupted.get(error) : undefined;
}
