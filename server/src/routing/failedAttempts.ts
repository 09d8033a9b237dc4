/**
 * The failed attempts of a routed request that ended in an error: the error the router throws is
 * the last backend's own (its class is what rows and messages show), so the attempts travel
 * beside it instead of wrapping it.
 */
import type { FailedAttempt } from './types';

const attempts = new WeakMap<object, FailedAttempt[]>();

export function attachFailedAttempts<E>(error: E, failed: readonly FailedAttempt[]): E {
  if (typeof error === 'object' && error !== null && failed.length > 0) attempts.set(error, [...failed]);
  return error;
}

/** The attempts that failed before `error` ended the request (the last is usually its cause). */
export function failedAttemptsOf(error: unknown): FailedAttempt[] {
  return (typeof error === 'object' && error !== null && attempts.get(error)) || [];
}
