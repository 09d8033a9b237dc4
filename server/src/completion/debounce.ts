/**
 * Debounce that saves work: wait before calling a backend so a burst of keystrokes costs one
 * generation, not one per key (on a laptop CPU every cancelled generation is the user's editor
 * paying for nothing).
 *
 * Two terms, the longer wins:
 * - latency-adjusted base: `debounceMs` minus the backend's recent latency (the user already
 *   waits for that latency, so a slow backend need not stack the full debounce on top), but
 *   never below half of `debounceMs` — shrinking to zero made every keystroke start a
 *   generation the next key cancelled;
 * - typing pace (as Tabby's adaptive debounce does): while the user types, the next key usually
 *   comes within their usual interval, so wait about twice that interval; only a real pause
 *   starts a generation. Capped at 3 × `debounceMs` so a slow typist still sees suggestions.
 *
 * Intervals are measured per document (switching files is not a keystroke gap) and pooled, since
 * typing speed belongs to the user, not to the file. Gaps longer than `pauseMs` are pauses and
 * do not count. `debounceMs` 0 turns all of it off.
 */

export interface DebouncerOptions {
  /** Recent intervals kept (a sliding window). */
  window?: number;
  /** Fewer measured intervals than this: no typing-pace term yet. */
  minSamples?: number;
  /** A gap between keys longer than this is a pause, not typing. */
  pauseMs?: number;
  /** The wait is this many typical intervals. */
  paceFactor?: number;
}

const FLOOR_FRACTION = 0.5;
const CEILING_FACTOR = 3;

export class KeystrokeDebouncer {
  private readonly lastRequestAt = new Map<string, number>();
  private readonly intervals: number[] = [];
  private readonly window: number;
  private readonly minSamples: number;
  private readonly pauseMs: number;
  private readonly paceFactor: number;

  constructor(options: DebouncerOptions = {}) {
    this.window = options.window ?? 20;
    this.minSamples = options.minSamples ?? 3;
    this.pauseMs = options.pauseMs ?? 500;
    this.paceFactor = options.paceFactor ?? 2;
  }

  /** Call for every completion request (a keystroke, as the editor sees it), at time `now` (ms). */
  noteRequest(uri: string, now: number): void {
    const last = this.lastRequestAt.get(uri);
    this.lastRequestAt.delete(uri); // re-insert: the map stays in least-recently-used order
    this.lastRequestAt.set(uri, now);
    if (this.lastRequestAt.size > 256) this.lastRequestAt.delete(this.lastRequestAt.keys().next().value!);
    if (last === undefined) return;
    const interval = now - last;
    if (interval < 0 || interval > this.pauseMs) return;
    this.intervals.push(interval);
    if (this.intervals.length > this.window) this.intervals.shift();
  }

  /** The user's recent interval between keystrokes (mean), or undefined while too few were seen. */
  typicalIntervalMs(): number | undefined {
    if (this.intervals.length < this.minSamples) return undefined;
    return this.intervals.reduce((sum, interval) => sum + interval, 0) / this.intervals.length;
  }

  /** How long to wait before generating, given the configured base and the backend's latency. */
  delayMs(debounceMs: number, recentLatencyMs: number | undefined): number {
    const base = adaptiveDelayMs(debounceMs, recentLatencyMs);
    const interval = this.typicalIntervalMs();
    if (interval === undefined || debounceMs <= 0) return base;
    return Math.max(base, Math.min(CEILING_FACTOR * debounceMs, this.paceFactor * interval));
  }

  /** The document closed. */
  forget(uri: string): void {
    this.lastRequestAt.delete(uri);
  }
}

/** `debounceMs` shortened by the backend's recent latency, never below half of it. */
export function adaptiveDelayMs(debounceMs: number, recentLatencyMs: number | undefined): number {
  if (debounceMs <= 0) return 0;
  return Math.max(debounceMs * FLOOR_FRACTION, debounceMs - (recentLatencyMs ?? 0));
}

export { abortableDelay } from '../backends/backend';
