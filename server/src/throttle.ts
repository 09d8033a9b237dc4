/**
 * Calls `fn` at most once per `intervalMs`, trailing: a burst of calls produces one call now
 * and one at the end of the interval, so the last state always gets through.
 */
export function throttle(fn: () => void, intervalMs: number): () => void {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  return () => {
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
      return;
    }
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
    timer.unref?.();
  };
}
