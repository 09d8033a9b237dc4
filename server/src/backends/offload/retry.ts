/**
 * Retry timing for the offload backend: exponential backoff with jitter, the server's
 * `Retry-After` when it sends one, and a sleep that an abort ends at once (no timer left behind).
 */

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Upper bound for any computed delay. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 200, maxDelayMs: 2000 };

/**
 * Delay before retry number `attempt` (0 = first retry): base·2^attempt, capped, with "equal
 * jitter" (half fixed, half random) so clients that failed together do not retry together.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * Milliseconds the server asked us to wait, from `retry-after-ms` (OpenAI), or `Retry-After` in
 * seconds or as an HTTP date. Undefined when absent or unreadable; never negative.
 */
export function retryAfterMs(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null && millis.trim() !== '' && Number.isFinite(Number(millis))) return Math.max(0, Number(millis));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

/** Resolves after `ms`, or throws CancelledError as soon as `signal` aborts. */
export { abortableDelay as sleep } from '../backend';
