/**
 * A scripted Backend for unit tests of routing and orchestration: each call to `generate`
 * plays the next script (text chunks, or an error before/after some chunks). It is not a
 * model; server and stdio tests use the real local backend and a real HTTP server instead.
 */
import { abortableDelay, CancelledError, type Backend, type GenerateChunk, type GenerateRequest } from '../../server/src/backends/backend';
import type { BackendId, BackendStatus } from '../../server/src/protocol';

export interface Script {
  chunks?: string[];
  /** Thrown after the chunks (or before any, with no chunks). */
  error?: Error;
  /** Wait this long before each chunk (abortable). */
  delayMs?: number;
}

export class ScriptedBackend<S extends Script = Script> implements Backend {
  readonly fimTemplate = 'tandem' as const;
  readonly supportsNativeSuffix = false;
  readonly requests: GenerateRequest[] = [];
  /** The signal each generation was given, to check who was aborted. */
  readonly signals: AbortSignal[] = [];
  /** Generations the consumer read to the end (past the final `done` chunk). */
  completed = 0;
  available = true;
  private readonly scripts: S[];

  constructor(
    readonly id: BackendId,
    scripts: S[],
    readonly model = `${id}-model`,
  ) {
    this.scripts = [...scripts];
  }

  isAvailable(): boolean {
    return this.available;
  }

  status(): BackendStatus {
    return {
      backend: this.id,
      state: this.available ? 'ready' : 'down',
      model: this.model,
      breaker: 'closed',
      ...(this.available ? {} : { detail: 'scripted down' }),
    };
  }

  async *generate(request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateChunk> {
    this.requests.push(request);
    this.signals.push(signal);
    this.onStart();
    const script = this.scripts.shift() ?? ({ chunks: ['ok'] } as S);
    await this.beforeFirstChunk(script, signal);
    for (const text of script.chunks ?? []) {
      if (script.delayMs) await abortableDelay(script.delayMs, signal);
      if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
      yield { type: 'text', text };
    }
    if (script.error) throw script.error;
    yield {
      type: 'done',
      usage: { promptTokens: request.prompt.length, completionTokens: (script.chunks ?? []).length, source: 'estimate' },
      finishReason: 'stop',
    };
    this.completed++;
  }

  async dispose(): Promise<void> {}

  /** Hooks for subclasses that order races (see HeldBackend). */
  protected onStart(): void {}

  protected async beforeFirstChunk(_script: S, _signal: AbortSignal): Promise<void> {}
}
