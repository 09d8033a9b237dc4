/**
 * The one interface both backends implement, and the errors they throw.
 *
 * `generate` streams: the caller iterates text chunks and gets one final `done` chunk with token
 * usage. Aborting `signal` must stop generation promptly (the local worker stops decoding, the
 * offload HTTP request is aborted) and make the iterator throw `CancelledError`.
 */
import type { BackendId, BackendStatus, Task, TokenCountSource } from '../protocol';
import type { FimTemplateId } from '../config';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  task: Task;
  /**
   * completion: the full prompt, already formatted with the backend's FIM template (or the plain
   * prefix when `suffix` is set and the backend passes it natively).
   * explain: the code to explain (the local encoder-decoder reads only this).
   */
  prompt: string;
  /** completion only: the text after the cursor, when the backend supports a native suffix. */
  suffix?: string;
  /** explain only: the chat prompt for chat models (offload). */
  messages?: ChatMessage[];
  maxTokens: number;
  temperature: number;
  /** With temperature > 0: the sampling seed, so a sampled answer can be repeated (where the
   * backend supports seeds: local, and OpenAI-style servers' `seed`). */
  seed?: number;
  stop: string[];
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  source: TokenCountSource;
  /** CPU time the local worker spent on this generation, ms (the local cost basis); absent when not measured. */
  cpuMs?: number;
}

/** Timings the serving engine reported about itself (llama.cpp `timings`, Ollama eval_*). */
export interface ServerTimings {
  /** Prompt tokens the server evaluated (llama.cpp `prompt_n`: cached tokens are not counted). */
  promptTokens?: number;
  promptMs?: number;
  /** Tokens the server generated (llama.cpp `predicted_n`). */
  decodeTokens?: number;
  decodeMs?: number;
  decodeTokensPerSecond?: number;
}

export type GenerateChunk =
  | { type: 'text'; text: string }
  | {
      type: 'done';
      usage: Usage;
      finishReason: 'stop' | 'length' | 'cancelled' | 'unknown';
      serverTimings?: ServerTimings;
    };

export interface Backend {
  readonly id: BackendId;
  /** Model name as shown to the user and recorded in metrics. */
  readonly model: string;
  /** FIM template family the completion service must format prompts with. */
  readonly fimTemplate: Exclude<FimTemplateId, 'auto'>;
  /**
   * Template for prompts whose answer is a new line (after a complete statement, a block opener,
   * on a blank line), when it differs from `fimTemplate`: a model may write the next line better
   * from the prefix alone.
   */
  readonly lineEndTemplate?: Exclude<FimTemplateId, 'auto'>;
  /** True when the backend takes `suffix` natively (OpenAI `/v1/completions` `suffix`). */
  readonly supportsNativeSuffix: boolean;
  /**
   * Characters of prefix + suffix the model handles well (small local models were trained on
   * short windows; feeding them more costs time and quality). Undefined: no limit beyond the
   * `completion.maxPrefixChars` / `maxSuffixChars` settings.
   */
  readonly completionContextChars?: number;
  /** Model name for a task, when a backend uses different models per task (local). */
  modelFor?(task: Task): string;
  /**
   * A decoding option that changes this backend's answers for a task beyond the request itself
   * (local: the context cache), so cached answers made without it are not served with it.
   */
  decodingFor?(task: Task): string | undefined;
  /** Whether this backend can serve a task at all right now (configured, model present). */
  isAvailable(task: Task): boolean;
  status(): BackendStatus;
  generate(request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateChunk>;
  dispose(): Promise<void>;
}

export type BackendErrorKind =
  'cancelled' | 'timeout' | 'unavailable' | 'rate-limited' | 'http' | 'malformed' | 'interrupted' | 'model-load' | 'bad-request';

/** Base class: every backend failure says which kind it is, for routing and metrics. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly kind: BackendErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
  /** Whether the router may try the other backend after this error. */
  get canFallback(): boolean {
    return this.kind !== 'cancelled' && this.kind !== 'bad-request';
  }
}

export class CancelledError extends BackendError {
  constructor(message = 'Request was cancelled.', options?: { cause?: unknown }) {
    super(message, 'cancelled', options);
  }
}

export class TimeoutError extends BackendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'timeout', options);
  }
}

export class UnavailableError extends BackendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'unavailable', options);
  }
}

export class RateLimitedError extends BackendError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, 'rate-limited', options);
  }
}

export class HttpError extends BackendError {
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'http', options);
  }
}

export class MalformedResponseError extends BackendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'malformed', options);
  }
}

/** The stream broke after it started: what arrived must never be shown as a complete answer. */
export class StreamInterruptedError extends BackendError {
  constructor(
    message: string,
    readonly partialText: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'interrupted', options);
  }
}

export class ModelLoadError extends BackendError {
  constructor(
    message: string,
    readonly modelPath: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'model-load', options);
  }
}

/** Throws CancelledError if the signal is aborted; call before and after every await. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError(undefined, { cause: signal.reason }));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError(undefined, { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Collects a stream into text + final chunk (tests, bench, non-streaming callers). */
export async function collect(
  stream: AsyncIterable<GenerateChunk>,
): Promise<{ text: string; done: Extract<GenerateChunk, { type: 'done' }> | undefined }> {
  let text = '';
  let done: Extract<GenerateChunk, { type: 'done' }> | undefined;
  for await (const chunk of stream) {
    if (chunk.type === 'text') text += chunk.text;
    else done = chunk;
  }
  return { text, done };
}
