/**
 * AbortSignal helpers that clean up after themselves (long-lived signals must not collect
 * listeners): LSP cancellation as a signal at the top of each handler, combined with the
 * request's timeout, so every await below can take one signal; signals linked together; an
 * await that an abort ends at once.
 */
import type { CancellationToken } from 'vscode-languageserver';
import { CancelledError, TimeoutError } from './backends/backend';

export interface RequestSignal {
  signal: AbortSignal;
  /** Clears the timeout and the token listener; call when the request settles. */
  dispose(): void;
}

/**
 * `timeoutMs` undefined: cancellation only, for handlers whose service owns the deadline (two
 * timers of the same length race, and the outer one's abort reads as a cancellation inside).
 */
export function requestSignal(token: CancellationToken | undefined, timeoutMs: number | undefined, what: string): RequestSignal {
  const controller = new AbortController();
  const subscription = token?.onCancellationRequested(() => controller.abort(new Error(`${what} was cancelled.`)));
  if (token?.isCancellationRequested) controller.abort(new Error(`${what} was cancelled.`));
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new TimeoutError(`${what} took longer than ${timeoutMs} ms.`)), timeoutMs);
  timer?.unref?.();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      subscription?.dispose();
    },
  };
}

export interface LinkedSignal {
  signal: AbortSignal;
  dispose(): void;
}

/** A signal that aborts, with the same reason, when any of `signals` does; `dispose` detaches it from them. */
export function linkSignals(...signals: AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const listeners = signals.map((source) => {
    const listener = (): void => controller.abort(source.reason);
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', listener, { once: true });
    return () => source.removeEventListener('abort', listener);
  });
  return { signal: controller.signal, dispose: () => listeners.forEach((remove) => remove()) };
}

/** Awaits `promise`, or throws CancelledError as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
