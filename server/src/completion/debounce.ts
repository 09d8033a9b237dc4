/**
 * Adaptive debounce: wait before calling a backend so a burst of keystrokes costs one
 * generation, not one per key. When the backend is slow the user already waits for its
 * latency, so stacking the full debounce on top only adds delay: the wait shrinks by the
 * backend's recent latency, down to zero.
 */
export function adaptiveDelayMs(debounceMs: number, recentLatencyMs: number | undefined): number {
  return Math.max(0, debounceMs - (recentLatencyMs ?? 0));
}

export { abortableDelay } from '../backends/backend';
