/**
 * What the fake OpenAI server (fakeOpenAIServer.ts) is told and what it makes of a request: its
 * options and faults, the view of a generation request handed to `respond`, and the
 * deterministic outcome (text split into 4-character "tokens", cut by `stop`, `max_tokens` /
 * `n_predict` and, for llama.cpp, by the room left in the slot's context).
 */
import { createHash } from 'node:crypto';
import type { FakeServerFlavor, GenerationOutcome } from './fakeOpenAIShapes';

/** What a generation request (completions or chat) can be made to do instead of answering well. */
export type Fault =
  /** Answers `status` with an OpenAI-style error body. */
  | { kind: 'http-error'; status: number; message?: string; headers?: Record<string, string> }
  /** 429 with `Retry-After: <seconds>` (fractions allowed, e.g. 0.05). */
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  /** 503 `Loading model`, as llama.cpp answers while it loads. */
  | { kind: 'loading' }
  /** Waits before sending the response headers. */
  | { kind: 'slow-first-byte'; delayMs: number }
  /** Streams `afterTokens` tokens, then sends nothing more until the client goes away. */
  | { kind: 'stall'; afterTokens: number }
  /** Streams `afterTokens` tokens, then a `data:` line that is not JSON. */
  | { kind: 'malformed'; afterTokens: number }
  /**
   * Destroys the socket: before any response byte when `afterTokens` is undefined. A client
   * resends a request once when a reused connection is reset before any byte (that is how a
   * keep-alive close race looks); this fault is a server really resetting, so that one resend,
   * arriving at once on a new connection, is reset too and not counted as a request.
   */
  | { kind: 'reset'; afterTokens?: number }
  /** Streams `afterTokens` tokens, then ends the response cleanly with no finish_reason nor [DONE]. */
  | { kind: 'truncate'; afterTokens: number }
  /** Streams `afterTokens` tokens, then `data: {"error": ...}` as vLLM does when generation fails. */
  | { kind: 'error-event'; afterTokens: number };

export interface GenerationRequestView {
  kind: 'completion' | 'chat';
  model: string;
  /** The completion prompt, or the chat messages joined with newlines. */
  prompt: string;
  suffix?: string;
  messages?: Array<{ role: string; content: string }>;
}

export interface FakeOpenAIServerOptions {
  /** Which server to imitate (model listing, headers, extra fields). Default 'vllm'. */
  flavor?: FakeServerFlavor;
  /** Served model names. Default: CodeLlama-7B-Instruct (or its Ollama tag for 'ollama'). */
  models?: string[];
  /** Whether `/v1/completions` accepts `suffix`. Default: true for 'ollama' and 'openai' only, as the real servers. */
  nativeSuffix?: boolean;
  /** Whether a usage chunk is sent when the client asks for it. Default true. */
  usage?: boolean;
  /** The full answer text for a request. Default: deterministic text derived from the prompt. */
  respond?: (request: GenerationRequestView) => string;
  /** Delay between the headers and the first token ("prefill"). Default 0. */
  firstTokenDelayMs?: number;
  /** Delay between tokens ("decode"). Default 0. */
  tokenDelayMs?: number;
  /** llamacpp: one slot's context in tokens (prompt tokens counted as characters / 4). Default 4096. */
  contextTokens?: number;
  /**
   * llamacpp: where n_ctx is given: true = /v1/models meta and GET /props (recent builds);
   * 'props-only' = GET /props only (older builds list only n_ctx_train in meta); false = nowhere.
   * Default true.
   */
  advertiseContext?: boolean | 'props-only';
  /** llamacpp: whether the model has FIM tokens, i.e. /infill works (else 501). Default true. */
  infill?: boolean;
  /** Port to listen on. Default: any free port. */
  port?: number;
}

export type Settings = Required<Omit<FakeOpenAIServerOptions, 'nativeSuffix' | 'port'>> & { nativeSuffix: boolean };

/** The endpoint a generation arrived on: OpenAI completions or chat, or llama.cpp's /infill. */
export type Endpoint = 'completion' | 'chat' | 'infill';

export function resolveSettings(options: FakeOpenAIServerOptions): Settings {
  const flavor = options.flavor ?? 'vllm';
  return {
    flavor,
    models: options.models ?? [flavor === 'ollama' ? 'codellama:7b-code' : 'codellama/CodeLlama-7b-Instruct-hf'],
    nativeSuffix: options.nativeSuffix ?? (flavor === 'ollama' || flavor === 'openai'),
    usage: options.usage ?? true,
    respond: options.respond ?? defaultRespond,
    firstTokenDelayMs: options.firstTokenDelayMs ?? 0,
    tokenDelayMs: options.tokenDelayMs ?? 0,
    contextTokens: options.contextTokens ?? 4096,
    advertiseContext: options.advertiseContext ?? true,
    infill: options.infill ?? true,
  };
}

/** Deterministic answers: the same prompt always gives the same text. */
export function defaultRespond(request: GenerationRequestView): string {
  const hash = createHash('sha256')
    .update(request.prompt)
    .update(request.suffix ?? '')
    .digest('hex')
    .slice(0, 6);
  if (request.kind === 'chat') {
    return `This code computes a value from its inputs (fake explanation ${hash}). It checks its arguments, then returns the result.`;
  }
  return `compute_${hash}(input);`;
}

/** The request as `respond` sees it; /infill is a completion of its prefix with its suffix. */
export function requestView(endpoint: Endpoint, model: string, body: Record<string, unknown>): GenerationRequestView {
  if (endpoint === 'infill') {
    // llama.cpp /infill: the prefix (plus the optional `prompt` after FIM_MID) and the suffix.
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    return { kind: 'completion', model, prompt: text(body.input_prefix) + text(body.prompt), suffix: text(body.input_suffix) };
  }
  if (endpoint === 'chat') {
    const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role: string; content: string }>) : [];
    return { kind: 'chat', model, messages, prompt: messages.map((m) => String(m.content)).join('\n') };
  }
  const view: GenerationRequestView = { kind: 'completion', model, prompt: String(body.prompt ?? '') };
  if (typeof body.suffix === 'string') view.suffix = body.suffix;
  return view;
}

/** Prompt length in tokens (characters / 4); /infill adds its three FIM tokens. */
export function promptTokensOf(view: GenerationRequestView, endpoint: Endpoint): number {
  return Math.ceil((view.prompt.length + (view.suffix?.length ?? 0)) / 4) + (endpoint === 'infill' ? 3 : 0);
}

/** The answer: `respond`'s text cut at the first stop, then to max_tokens and the room left. */
export function generationOutcome(
  settings: Settings,
  view: GenerationRequestView,
  body: Record<string, unknown>,
  promptTokens: number,
): GenerationOutcome {
  let text = settings.respond(view);
  let finishReason: 'stop' | 'length' = 'stop';
  const stops = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  let tokens: string[] = text.match(/[\s\S]{1,4}/g) ?? [];
  const requested = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.n_predict === 'number' ? body.n_predict : Infinity;
  // llama.cpp stops a generation that fills the slot's context (finish "length").
  const room = settings.flavor === 'llamacpp' ? settings.contextTokens - promptTokens : Infinity;
  const maxTokens = Math.min(requested, room);
  if (tokens.length > maxTokens) {
    tokens = tokens.slice(0, maxTokens);
    finishReason = 'length';
  }
  return { model: view.model, tokens, finishReason, promptTokens };
}
