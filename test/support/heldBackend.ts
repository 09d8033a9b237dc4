/**
 * A scripted Backend whose generations can be held before their first chunk until the test
 * releases them, so races (hedging, shadows) are ordered by the test rather than by timers.
 * Records each request and the signal it was given, to check who was aborted.
 */
import {
  CancelledError,
  type Backend,
  type GenerateChunk,
  type GenerateRequest,
} from '../../server/src/backends/backend';
import type { BackendId, BackendStatus } from '../../server/src/protocol';

export interface HeldScript {
  chunks?: string[];
  /** Thrown after the chunks (or before any, with no chunks). */
  error?: Error;
  /** Wait for `release()` before the first chunk (or the error). */
  held?: boolean;
}

export class HeldBackend implements Backend {
  readonly fimTemplate = 'tandem' as const;
  readonly supportsNativeSuffix = false;
  readonly requests: GenerateRequest[] = [];
  readonly signals: AbortSignal[] = [];
  /** Generations the consumer read to the end (past the final `done` chunk). */
  completed = 0;
  available = true;
  private readonly scripts: HeldScript[];
  private readonly holds: Array<() => void> = [];
  private readonly startListeners: Array<() => void> = [];

  constructor(
    readonly id: BackendId,
    scripts: HeldScript[],
    readonly model = `${id}-model`,
  ) {
    this.scripts = [...scripts];
  }

  isAvailable(): boolean {
    return this.available;
  }

  status(): BackendStatus {
    return { backend: this.id, state: this.available ? 'ready' : 'down', model: this.model, breaker: 'closed' };
  }

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

  async *generate(request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateChunk> {
    this.requests.push(request);
    this.signals.push(signal);
    for (const listener of this.startListeners.splice(0)) listener();
    const script = this.scripts.shift() ?? { chunks: ['ok'] };
    if (script.held) await this.hold(signal);
    for (const text of script.chunks ?? []) {
      if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
      yield { type: 'text', text };
    }
    if (script.error) throw script.error;
    yield {
      type: 'done',
      usage: { promptTokens: 10, completionTokens: (script.chunks ?? []).length, source: 'estimate' },
      finishReason: 'stop',
    };
    this.completed++;
  }

  async dispose(): Promise<void> {}

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
