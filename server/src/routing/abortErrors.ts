/**
 * How the router tells a cancellation from the caller's deadline and from a backend's own
 * failure, and the error each ends a request with: the deadline a TimeoutError, a cancellation
 * a CancelledError, anything a backend threw that is not a BackendError an UnavailableError.
 */
import { BackendError, CancelledError, TimeoutError, UnavailableError, type Backend } from '../backends/backend';

export function isCancellation(error: unknown): boolean {
  return error instanceof BackendError && error.kind === 'cancelled';
}

/** The caller's deadline (its signal aborted with a timeout), as opposed to a cancellation. */
export function isDeadline(reason: unknown): reason is BackendError {
  return reason instanceof BackendError && reason.kind === 'timeout';
}

/** Why the caller's signal ended the request: its deadline (a TimeoutError) or a cancellation. */
export function abortError(signal: AbortSignal, cause?: unknown): BackendError {
  const reason: unknown = signal.reason;
  if (isDeadline(reason)) return new TimeoutError(reason.message, { cause: cause ?? reason });
  return new CancelledError(undefined, { cause: reason });
}

export function asCancelled(error: unknown): CancelledError {
  return error instanceof CancelledError ? error : new CancelledError(undefined, { cause: error });
}

export function asBackendError(error: unknown, backend: Backend): BackendError {
  if (error instanceof BackendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`${backend.id} backend failed: ${message}`, { cause: error });
}
