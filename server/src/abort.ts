/**
 * LSP cancellation becomes an AbortSignal at the top of each handler, combined with the
 * request's timeout, so every await below can take one signal.
 */
import type { CancellationToken } from 'vscode-languageserver';
import { TimeoutError } from './backends/backend';

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
