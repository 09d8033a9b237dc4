/**
 * One AbortSignal for a request: aborted when any parent aborts (LSP cancellation, a newer
 * request for the document) or when the time limit passes. Written out instead of
 * AbortSignal.any + AbortSignal.timeout so `dispose` can drop the timer and the listeners on
 * long-lived parents right away; under hundreds of requests those otherwise pile up until
 * the timeout fires or the parents are collected.
 */
import { TimeoutError } from '../backends/backend';

export interface RequestSignal {
  signal: AbortSignal;
  /** True when the time limit, not a parent, aborted the signal. */
  timedOut(): boolean;
  dispose(): void;
}

export function requestSignal(parents: readonly AbortSignal[], timeoutMs: number, what: string): RequestSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(`${what} took longer than ${timeoutMs} ms.`));
  }, timeoutMs);
  timer.unref?.();
  const dispose = () => {
    clearTimeout(timer);
    for (const parent of parents) parent.removeEventListener('abort', onParentAbort);
  };
  controller.signal.addEventListener('abort', dispose, { once: true });
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
  }
  return { signal: controller.signal, timedOut: () => timedOut, dispose };
}
