/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks the OpenAI protocol the way vLLM
 * does, and misbehaves on demand. Used by the offload tests, the router integration tests and the
 * e2e tests. (The overhead benchmark has its own server, server/src/bench/profiledServer.ts:
 * product code ships no test code.)
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
 * `Keep-Alive` was sent, so a request already on its way on that connection is reset
 * (fakeConnections.ts). Output text is deterministic: `respond(request)` (default: derived from a
 * hash of the prompt), split into 4-character "tokens", cut by `max_tokens` and `stop`
 * (fakeOpenAIRequests.ts). This file routes requests and writes the answers and faults.
 *
 * Note for request counting: OffloadBackend's probe sends one non-streamed 1-token completion
 * (with `suffix`) besides GET /v1/models; `generationRequests()` includes it, so filter on
 * `body.stream === true` to see only real generations. Faults apply to the probe too when queued
 * before it runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { FakeConnections } from './fakeConnections';
import { closeServer, listenLocally, openEventStream, pathOf, readJson, sendJson, untilGone, type EventWriter } from './fakeHttp';
import {
  generationOutcome,
  promptTokensOf,
  requestView,
  resolveSettings,
  type Endpoint,
  type Fault,
  type FakeOpenAIServerOptions,
  type Settings,
} from './fakeOpenAIRequests';
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
} from './fakeOpenAIShapes';

export type { FakeServerFlavor } from './fakeOpenAIShapes';
export type { Fault, FakeOpenAIServerOptions, GenerationRequestView } from './fakeOpenAIRequests';
export { defaultRespond } from './fakeOpenAIRequests';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined. */
  body: Record<string, unknown> | undefined;
  /** performance.now() when the request arrived. */
  receivedAt: number;
}

export class FakeOpenAIServer {
  readonly requests: RecordedRequest[] = [];
  private settings: Settings;
  private readonly queue: Fault[] = [];
  private mode: Fault | undefined;
  private loading = false;
  private readonly connections: FakeConnections;
  private sequence = 0;

  private constructor(
    private readonly server: http.Server,
    options: FakeOpenAIServerOptions,
  ) {
    this.settings = resolveSettings(options);
    this.connections = new FakeConnections(server);
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
    const server = http.createServer({ keepAliveTimeout: 5000 });
    const fake = new FakeOpenAIServer(server, options);
    await listenLocally(server, options.port);
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
    return this.connections.count;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.connections.sockets.size;
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
  close(): Promise<void> {
    return closeServer(this.server, this.connections.sockets);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.connections.admit(req.socket)) return;
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const receivedAt = performance.now();
    const path = pathOf(req);
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
    endpoint: Endpoint,
    body: Record<string, unknown>,
    res: http.ServerResponse,
    headers: Record<string, string>,
    gone: AbortSignal,
  ): Promise<void> {
    const fault = this.queue.shift() ?? this.mode;
    if (fault?.kind === 'reset' && fault.afterTokens === undefined) return this.connections.resetNow(res.socket);
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
    const view = requestView(endpoint, model, body);
    if (llama && endpoint === 'completion') delete view.suffix; // accepted, and ignored
    if (view.suffix !== undefined && endpoint !== 'infill' && !this.settings.nativeSuffix) {
      return sendJson(res, 400, errorBody(400, 'suffix is not currently supported'), headers);
    }
    const promptTokens = promptTokensOf(view, endpoint);
    if (llama && promptTokens >= this.settings.contextTokens) {
      return sendJson(res, 400, contextErrorBody(promptTokens, this.settings.contextTokens), headers);
    }
    const outcome = generationOutcome(this.settings, view, body, promptTokens);
    const context = { flavor: this.settings.flavor, kind, id: `cmpl-fake-${++this.sequence}`, model };
    if (body.stream !== true) {
      await pause(this.settings.firstTokenDelayMs, gone);
      const answer = endpoint === 'infill' ? nativeEvent(outcome.tokens.join(''), outcome, 0, true) : fullResponse(context, outcome);
      return sendJson(res, 200, answer, headers);
    }
    // llama.cpp says keep-alive, then closes the connection once the stream is over.
    const keepAlive: Record<string, string> = llama ? { connection: 'keep-alive', 'keep-alive': 'timeout=5, max=100' } : {};
    const socket = res.socket; // detached from `res` once the response is finished
    if (llama) res.once('finish', () => this.connections.closeAfterStream(socket));
    const write = openEventStream(res, { ...headers, ...keepAlive }, gone);
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
    if (fault && cutAt !== Infinity) return misbehave(fault, res, write, gone);
    if (endpoint === 'infill') return void res.end(); // llama.cpp's native stream has no [DONE]
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage && this.settings.usage) await write(usageChunk(context, outcome));
    await write('[DONE]');
    res.end();
  }
}

/** How a stream cut by a fault after some tokens ends. */
async function misbehave(fault: Fault, res: http.ServerResponse, write: EventWriter, gone: AbortSignal): Promise<void> {
  switch (fault.kind) {
    case 'stall':
      return untilGone(gone);
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

/** Waits `ms` (no timer at all for 0); rejects when the client has gone away. */
async function pause(ms: number, gone: AbortSignal): Promise<void> {
  if (ms > 0) await delay(ms, undefined, { signal: gone });
  else if (gone.aborted) throw new Error('client went away');
}
