/**
 * Adaptive debounce: wait before calling a backend so a burst of keystrokes costs one
 * generation, not one per key. When the backend is slow the user already waits for its
 * latency, so stacking the full debounce on top only adds delay: the wait shrinks by the
 * backend's recent latency, down to zero.
 */
import { CancelledError } from '../backends/backend';

export function adaptiveDelayMs(debounceMs: number, recentLatencyMs: number | undefined): number {
  return Math.max(0, debounceMs - (recentLatencyMs ?? 0));
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError(undefined, { cause: signal.reason }));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError(undefined, { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
