/** Small AbortSignal helpers that clean up their listeners (long-lived signals must not collect them). */
import { CancelledError } from '../backend';

export interface LinkedSignal {
  signal: AbortSignal;
  dispose(): void;
}

/** A signal that aborts when any of `signals` does; `dispose` detaches it from them. */
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
