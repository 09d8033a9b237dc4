/**
 * A scripted Backend whose generations can be held before their first chunk until the test
 * releases them, so races (hedging, shadows) are ordered by the test rather than by timers.
 */
import { CancelledError } from '../../server/src/backends/backend';
import { ScriptedBackend, type Script } from './fakeBackend';

export interface HeldScript extends Script {
  /** Wait for `release()` before the first chunk (or the error). */
  held?: boolean;
}

export class HeldBackend extends ScriptedBackend<HeldScript> {
  private readonly holds: Array<() => void> = [];
  private readonly startListeners: Array<() => void> = [];

  /** Lets the oldest held generation go on. */
  release(): void {
    this.holds.shift()?.();
  }

  /** Resolves once `count` generations have started (already, or later). */
  started(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length < count) return this.startListeners.push(check);
        resolve();
      };
      this.startListeners.push(check);
    });
  }

  protected override onStart(): void {
    for (const listener of this.startListeners.splice(0)) listener();
  }

  protected override async beforeFirstChunk(script: HeldScript, signal: AbortSignal): Promise<void> {
    if (script.held) await this.hold(signal);
  }

  private hold(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const release = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        // An aborted generation is no longer waiting: `release()` must reach the next one.
        const index = this.holds.indexOf(release);
        if (index >= 0) this.holds.splice(index, 1);
        reject(new CancelledError(undefined, { cause: signal.reason }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.holds.push(release);
    });
  }
}
