/**
 * A scripted Backend for unit tests of routing and orchestration: each call to `generate`
 * plays the next script (text chunks, or an error before/after some chunks). It is not a
 * model; server and stdio tests use the real local backend and a real HTTP server instead.
 */
import {
  abortableDelay,
  CancelledError,
  type Backend,
  type GenerateChunk,
  type GenerateRequest,
} from '../../server/src/backends/backend';
import type { BackendId, BackendStatus } from '../../server/src/protocol';

export interface Script {
  chunks?: string[];
  /** Thrown after the chunks (or before any, with no chunks). */
  error?: Error;
  /** Wait this long before each chunk (abortable). */
  delayMs?: number;
}

export class ScriptedBackend implements Backend {
  readonly fimTemplate = 'tandem' as const;
  readonly supportsNativeSuffix = false;
  readonly requests: GenerateRequest[] = [];
  available = true;
  private readonly scripts: Script[];

  constructor(
    readonly id: BackendId,
    scripts: Script[],
    readonly model = `${id}-model`,
  ) {
    this.scripts = [...scripts];
  }

  isAvailable(): boolean {
    return this.available;
  }

  status(): BackendStatus {
    return { backend: this.id, state: this.available ? 'ready' : 'down', model: this.model, breaker: 'closed', ...(this.available ? {} : { detail: 'scripted down' }) };
  }

  async *generate(request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateChunk> {
    this.requests.push(request);
    const script = this.scripts.shift() ?? { chunks: ['ok'] };
    for (const text of script.chunks ?? []) {
      if (script.delayMs) await abortableDelay(script.delayMs, signal);
      if (signal.aborted) throw new CancelledError();
      yield { type: 'text', text };
    }
    if (script.error) throw script.error;
    yield { type: 'done', usage: { promptTokens: request.prompt.length, completionTokens: (script.chunks ?? []).length, source: 'estimate' }, finishReason: 'stop' };
  }

  async dispose(): Promise<void> {}
}

