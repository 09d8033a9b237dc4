/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks the OpenAI protocol the way vLLM
 * does, and misbehaves on demand. Used by the offload tests, the router integration tests, the
 * e2e tests, the overhead benchmark and the `npm start` demo.
 *
 *   const server = await FakeOpenAIServer.start({ flavor: 'vllm' });
 *   backend = new OffloadBackend({ config: { ...DEFAULT_CONFIG.offload, url: server.baseUrl } });
 *   server.enqueue({ kind: 'http-error', status: 500 });   // the next generation request fails
 *   server.setMode({ kind: 'stall', afterTokens: 2 });     // every one stalls until cleared
 *   server.generationRequests()                            // what the client sent
 *   await server.close();                                  // frees the port, sockets and timers
 *
 * Endpoints: GET /v1/models, POST /v1/completions, POST /v1/chat/completions (streaming SSE
 * `data: {...}\n\n` … `data: [DONE]`, or one JSON answer), GET /health, and for the Ollama
 * flavor GET /api/version.
 *
 * The 'llamacpp' flavor behaves like llama.cpp's llama-server where it matters to clients:
 * `/v1/completions` accepts `suffix` and ignores it; `POST /infill` (input_prefix, input_suffix)
 * is where FIM works; `GET /props` and `/v1/models` meta give the slot's n_ctx
 * (`contextTokens`), and a prompt that does not fit is refused with HTTP 400
 * `exceed_context_size_error`; after every streamed response the connection is closed although
 * `Keep-Alive` was sent, so a request already on its way on that connection is reset. Output text is deterministic: `respond(request)` (default: derived
 * from a hash of the prompt), split into 4-character "tokens", cut by `max_tokens` and `stop`.
 *
 * Note for request counting: OffloadBackend's probe sends one non-streamed 1-token completion
 * (with `suffix`) besides GET /v1/models; `generationRequests()` includes it, so filter on
 * `body.stream === true` to see only real generations. Faults apply to the probe too when queued
 * before it runs.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import {
  contextErrorBody,
  errorBody,
  finalChunkExtras,
  infillUnsupportedBody,
  nativeEvent,
  propsResponse,
  flavorHeaders,
  fullResponse,
  modelsResponse,
  streamChunk,
  usageChunk,
  type FakeServerFlavor,
  type GenerationOutcome,
} from './fakeOpenAIShapes';

export type { FakeServerFlavor } from './fakeOpenAIShapes';

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

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined. */
  body: Record<string, unknown> | undefined;
  /** performance.now() when the request arrived. */
  receivedAt: number;
}

type Settings = Required<Omit<FakeOpenAIServerOptions, 'nativeSuffix' | 'port'>> & { nativeSuffix: boolean };

export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  private settings: Settings;
  private readonly queue: Fault[] = [];
  private mode: Fault | undefined;
  private loading = false;
  private connections = 0;
  private readonly sockets = new Set<Socket>();
  /** llamacpp: connections the server has finished with after a streamed response. */
  private readonly closing = new Set<Socket>();
  /** Requests seen per connection, to tell a reused connection from a new one. */
  private readonly requestsOn = new WeakMap<Socket, number>();
  /** A 'reset' fault hit a reused connection: the client's resend on a new one gets it too. */
  private resetResend = false;
  private sequence = 0;

  private constructor(
    private readonly server: http.Server,
    options: FakeOpenAIServerOptions,
  ) {
    this.settings = resolveSettings(options);
    server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
    const server = http.createServer({ keepAliveTimeout: 5000 });
    const fake = new FakeOpenAIServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The OpenAI base URL clients are configured with, e.g. http://127.0.0.1:41234/v1. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get models(): readonly string[] {
    return this.settings.models;
  }

  /** TCP connections accepted so far (keep-alive reuse keeps this at 1 for sequential requests). */
  get connectionCount(): number {
    return this.connections;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Requests to /v1/completions, /v1/chat/completions and /infill, in order. */
  generationRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/completions') || r.path === '/infill');
  }

  /** Each fault applies to one upcoming generation request, first in first out. */
  enqueue(...faults: Fault[]): void {
    this.queue.push(...faults);
  }

  /** Applies to every generation request (after the queue is used up) until set to undefined. */
  setMode(fault: Fault | undefined): void {
    this.mode = fault;
  }

  /** While loading, every endpoint except /api/version answers 503 "Loading model" (llama.cpp). */
  setLoading(loading: boolean): void {
    this.loading = loading;
  }

  /** Changes options for later requests. */
  configure(options: FakeOpenAIServerOptions): void {
    this.settings = resolveSettings({ ...this.settings, ...options });
  }

  /** Stops listening, drops every connection and resolves once their handles are closed. */
  async close(): Promise<void> {
    const socketsClosed = [...this.sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(socketsClosed);
    // libuv frees the listening handle in a later "close" phase (the next loop turn when close()
    // ran inside a close callback); an immediate, then a timer, are both behind it.
    await new Promise((resolve) => setImmediate(resolve));
    await delay(1);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.closing.has(req.socket)) {
      // The server had closed this connection; the request never reaches a handler.
      req.socket.destroy();
      return;
    }
    const onSocket = (this.requestsOn.get(req.socket) ?? 0) + 1;
    this.requestsOn.set(req.socket, onSocket);
    if (this.resetResend) {
      this.resetResend = false;
      if (onSocket === 1) return void req.socket.destroy();
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const receivedAt = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      const body = await readJson(req);
      this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, receivedAt });
      await this.route(req.method ?? 'GET', path, body, res, gone.signal);
    } catch (error) {
      if (gone.signal.aborted) return; // the client left; nothing to answer
      if (!res.headersSent) sendJson(res, 500, errorBody(500, String(error), 'InternalServerError'), {});
      else res.destroy();
    }
  }

  private async route(
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
    res: http.ServerResponse,
    gone: AbortSignal,
  ): Promise<void> {
    const headers = flavorHeaders(this.settings.flavor);
    if (method === 'GET' && path === '/api/version' && this.settings.flavor === 'ollama') {
      return sendJson(res, 200, { version: '0.6.8' }, headers);
    }
    if (this.loading) return sendJson(res, 503, errorBody(503, 'Loading model', 'unavailable_error'), headers);
    if (method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' }, headers);
    const llama = this.settings.flavor === 'llamacpp';
    const advertised = llama && this.settings.advertiseContext !== false ? this.settings.contextTokens : undefined;
    if (method === 'GET' && path === '/v1/models') {
      const listed = this.settings.advertiseContext === true ? advertised : undefined;
      return sendJson(res, 200, modelsResponse(this.settings.flavor, this.settings.models, listed), headers);
    }
    if (method === 'GET' && path === '/props' && advertised !== undefined) {
      return sendJson(res, 200, propsResponse(this.settings.models[0] ?? '', advertised), headers);
    }
    if (method === 'POST' && (path === '/v1/completions' || path === '/v1/chat/completions')) {
      return this.generate(path === '/v1/completions' ? 'completion' : 'chat', body ?? {}, res, headers, gone);
    }
    if (method === 'POST' && path === '/infill' && llama) {
      if (!this.settings.infill) return sendJson(res, 501, infillUnsupportedBody(), headers);
      return this.generate('infill', body ?? {}, res, headers, gone);
    }
    sendJson(res, 404, errorBody(404, `No route for ${method} ${path}`, 'NotFoundError'), headers);
  }

  private async generate(
    endpoint: 'completion' | 'chat' | 'infill',
    body: Record<string, unknown>,
    res: http.ServerResponse,
    headers: Record<string, string>,
    gone: AbortSignal,
  ): Promise<void> {
    const fault = this.queue.shift() ?? this.mode;
    if (fault?.kind === 'reset' && fault.afterTokens === undefined) {
      this.resetResend = res.socket !== null && (this.requestsOn.get(res.socket) ?? 0) > 1;
      return void res.socket?.destroy();
    }
    if (fault?.kind === 'slow-first-byte') await pause(fault.delayMs, gone);
    if (fault?.kind === 'http-error') {
      const message = fault.message ?? `Injected HTTP ${fault.status}`;
      return sendJson(res, fault.status, errorBody(fault.status, message, 'InternalServerError'), { ...headers, ...fault.headers });
    }
    if (fault?.kind === 'rate-limit') {
      const retry = { 'retry-after': String(fault.retryAfterSeconds) };
      return sendJson(res, 429, errorBody(429, 'Rate limit exceeded', 'RateLimitError'), { ...headers, ...retry });
    }
    if (fault?.kind === 'loading') return sendJson(res, 503, errorBody(503, 'Loading model', 'unavailable_error'), headers);

    const llama = this.settings.flavor === 'llamacpp';
    const kind: 'completion' | 'chat' = endpoint === 'chat' ? 'chat' : 'completion';
    // llama.cpp serves one model whatever the request names.
    const model = llama && endpoint === 'infill' ? (this.settings.models[0] ?? '') : String(body.model ?? '');
    if (!this.settings.models.includes(model)) {
      return sendJson(res, 404, errorBody(404, `The model \`${model}\` does not exist.`, 'NotFoundError'), headers);
    }
    const view = endpoint === 'infill' ? infillView(model, body) : requestView(kind, model, body);
    if (llama && endpoint === 'completion') delete view.suffix; // accepted, and ignored
    if (view.suffix !== undefined && endpoint !== 'infill' && !this.settings.nativeSuffix) {
      return sendJson(res, 400, errorBody(400, 'suffix is not currently supported'), headers);
    }
    const promptTokens = Math.ceil((view.prompt.length + (view.suffix?.length ?? 0)) / 4) + (endpoint === 'infill' ? 3 : 0);
    if (llama && promptTokens >= this.settings.contextTokens) {
      return sendJson(res, 400, contextErrorBody(promptTokens, this.settings.contextTokens), headers);
    }
    const outcome = this.outcome(view, body, promptTokens);
    const context = { flavor: this.settings.flavor, kind, id: `cmpl-fake-${++this.sequence}`, model };
    if (body.stream !== true) {
      await pause(this.settings.firstTokenDelayMs, gone);
      const answer = endpoint === 'infill' ? nativeEvent(outcome.tokens.join(''), outcome, 0, true) : fullResponse(context, outcome);
      return sendJson(res, 200, answer, headers);
    }
    // llama.cpp says keep-alive, then closes the connection once the stream is over.
    const keepAlive = llama ? { connection: 'keep-alive', 'keep-alive': 'timeout=5, max=100' } : {};
    const socket = res.socket; // detached from `res` once the response is finished
    if (llama) res.once('finish', () => this.closeAfterStream(socket));
    res.writeHead(200, { ...headers, ...keepAlive, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    // Each event is flushed to the socket before the next step, as streaming servers do (and so
    // a reset that follows really comes after the tokens that were sent).
    const write = (data: unknown): Promise<void> =>
      new Promise((resolve) => {
        if (gone.aborted) return resolve();
        res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve());
      });
    const cutAt = fault && 'afterTokens' in fault && fault.afterTokens !== undefined ? fault.afterTokens : Infinity;
    // An empty answer still ends with one chunk that carries the finish_reason.
    const tokens = outcome.tokens.length > 0 ? outcome.tokens : [''];
    for (let i = 0; i < tokens.length; i++) {
      await pause(i === 0 ? this.settings.firstTokenDelayMs : this.settings.tokenDelayMs, gone);
      if (i >= cutAt) break;
      const last = i === tokens.length - 1;
      if (endpoint === 'infill') {
        await write(nativeEvent(tokens[i] as string, outcome, i, last));
        continue;
      }
      const chunk = streamChunk(context, tokens[i] as string, last ? outcome.finishReason : null, i === 0);
      await write(last ? { ...(chunk as object), ...finalChunkExtras(this.settings.flavor, outcome) } : chunk);
    }
    if (fault && cutAt !== Infinity) return this.misbehave(fault, res, write, gone);
    if (endpoint === 'infill') return void res.end(); // llama.cpp's native stream has no [DONE]
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage && this.settings.usage) await write(usageChunk(context, outcome));
    await write('[DONE]');
    res.end();
  }

  private async misbehave(
    fault: Fault,
    res: http.ServerResponse,
    write: (data: unknown) => Promise<void>,
    gone: AbortSignal,
  ): Promise<void> {
    switch (fault.kind) {
      case 'stall':
        await new Promise<void>((resolve) => gone.addEventListener('abort', () => resolve(), { once: true }));
        return;
      case 'malformed':
        await write('{"id": "cmpl-broken", "choices": [{"text": "oops"');
        await write('[DONE]');
        return void res.end();
      case 'reset':
        return void res.socket?.destroy();
      case 'truncate':
        return void res.end();
      case 'error-event':
        await write({ error: { message: 'Generation failed on the server', type: 'InternalServerError', code: 500 } });
        return void res.end();
      default:
        return void res.end();
    }
  }

  /**
   * llamacpp: the connection is done once a streamed response is sent. A request that arrives on
   * it afterwards is reset (see handle); the socket itself goes shortly after, as the client's
   * pool would otherwise keep it. (The short delay makes the race with a back-to-back request
   * certain instead of a matter of scheduling.)
   */
  private closeAfterStream(socket: Socket | null): void {
    if (!socket || socket.destroyed) return;
    this.closing.add(socket);
    const timer = setTimeout(() => socket.destroy(), 50);
    socket.once('close', () => {
      clearTimeout(timer);
      this.closing.delete(socket);
    });
  }

  private outcome(view: GenerationRequestView, body: Record<string, unknown>, promptTokens: number): GenerationOutcome {
    let text = this.settings.respond(view);
    let finishReason: 'stop' | 'length' = 'stop';
    const stops = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
    for (const stop of stops) {
      const at = stop ? text.indexOf(stop) : -1;
      if (at >= 0) text = text.slice(0, at);
    }
    let tokens: string[] = text.match(/[\s\S]{1,4}/g) ?? [];
    const requested = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.n_predict === 'number' ? body.n_predict : Infinity;
    // llama.cpp stops a generation that fills the slot's context (finish "length").
    const room = this.settings.flavor === 'llamacpp' ? this.settings.contextTokens - promptTokens : Infinity;
    const maxTokens = Math.min(requested, room);
    if (tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens);
      finishReason = 'length';
    }
    return { model: view.model, tokens, finishReason, promptTokens };
  }
}

/** Waits `ms` (no timer at all for 0); rejects when the client has gone away. */
async function pause(ms: number, gone: AbortSignal): Promise<void> {
  if (ms > 0) await delay(ms, undefined, { signal: gone });
  else if (gone.aborted) throw new Error('client went away');
}

/** Deterministic answers: the same prompt always gives the same text. */
export function defaultRespond(request: GenerationRequestView): string {
  const hash = createHash('sha256').update(request.prompt).update(request.suffix ?? '').digest('hex').slice(0, 6);
  if (request.kind === 'chat') {
    return `This code computes a value from its inputs (fake explanation ${hash}). It checks its arguments, then returns the result.`;
  }
  return `compute_${hash}(input);`;
}

function resolveSettings(options: FakeOpenAIServerOptions): Settings {
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

/** llama.cpp /infill: the prefix (plus the optional `prompt` after FIM_MID) and the suffix. */
function infillView(model: string, body: Record<string, unknown>): GenerationRequestView {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return { kind: 'completion', model, prompt: text(body.input_prefix) + text(body.prompt), suffix: text(body.input_suffix) };
}

function requestView(kind: 'completion' | 'chat', model: string, body: Record<string, unknown>): GenerationRequestView {
  if (kind === 'chat') {
    const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role: string; content: string }>) : [];
    return { kind, model, messages, prompt: messages.map((m) => String(m.content)).join('\n') };
  }
  const view: GenerationRequestView = { kind, model, prompt: String(body.prompt ?? '') };
  if (typeof body.suffix === 'string') view.suffix = body.suffix;
  return view;
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  if (parts.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
