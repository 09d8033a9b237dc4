/**
 * An OpenAI-compatible server on 127.0.0.1 that answers well until it is armed, then fails every
 * generation request (POST /v1/completions and /v1/chat/completions, streamed or not) in one
 * chosen way — the faults a real endpoint shows under load, in a cold container, behind a proxy:
 *
 *   const server = await FaultServer.start('stall-mid-stream');
 *   ... point Tandem at server.baseUrl and wait until its probe found the endpoint ready ...
 *   server.arm();                    // from now on every generation request misbehaves
 *   server.generationRequests()      // what reached it (with the Authorization header)
 *   await server.close();            // drops every connection, frees the port
 *
 * GET /v1/models stays healthy (the endpoint looks alive to a listing probe), as it does when a
 * GPU box is overloaded: the listing is cheap, the generations are not. 'closed-port' is the
 * exception: its base URL names a port nothing listens on.
 *
 * The JSON and SSE shapes come from fakeOpenAIShapes.ts (vLLM flavor), so a healthy answer is
 * byte for byte what the other fake server sends.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  closeServer,
  listenLocally,
  openEventStream,
  pathOf,
  readJson,
  sendJson,
  trackSockets,
  untilGone,
  type EventWriter,
} from './fakeHttp';
import {
  errorBody,
  finalChunkExtras,
  flavorHeaders,
  fullResponse,
  modelsResponse,
  streamChunk,
  usageChunk,
  type GenerationOutcome,
} from './fakeOpenAIShapes';

export const FAULTS = [
  'healthy',
  'http-500',
  'rate-limit',
  'stall-after-headers',
  'stall-mid-stream',
  'reset',
  'malformed-sse',
  'endless-stream',
  'slow-first-token',
  'closed-port',
  'echoed-key',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface FaultServerOptions {
  /** `Retry-After` of 'rate-limit', in seconds. Default 2. */
  retryAfterSeconds?: number;
  /** How long 'slow-first-token' waits after the headers before its first token. Default 3000. */
  slowFirstTokenMs?: number;
  /** Gap between tokens of 'endless-stream'. Default 20. */
  endlessTokenGapMs?: number;
}

export interface FaultRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  /** Whether the fault was armed when it arrived. */
  armed: boolean;
}

const FLAVOR = 'vllm' as const;
const MODEL = 'codellama/CodeLlama-7b-Instruct-hf';
/** Multi-line code, so multi-line completions have something to show. */
const COMPLETION_TEXT = 'const next = value + 1;\n  return next;';
const EXPLANATION_TEXT = 'This function clamps a value between two bounds and returns the result.';
const ENDLESS_TOKEN = 'x = x + 1; ';

export class FaultServer {
  readonly requests: FaultRequest[] = [];
  private readonly sockets: ReadonlySet<Socket>;
  private armed = false;
  private sequence = 0;

  private constructor(
    readonly fault: FaultName,
    private readonly server: http.Server | undefined,
    private readonly port: number,
    private readonly options: Required<FaultServerOptions>,
  ) {
    this.sockets = server ? trackSockets(server) : new Set();
    server?.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(fault: FaultName, options: FaultServerOptions = {}): Promise<FaultServer> {
    const resolved: Required<FaultServerOptions> = {
      retryAfterSeconds: options.retryAfterSeconds ?? 2,
      slowFirstTokenMs: options.slowFirstTokenMs ?? 3000,
      endlessTokenGapMs: options.endlessTokenGapMs ?? 20,
    };
    const server = http.createServer({ keepAliveTimeout: 5000 });
    await listenLocally(server);
    const port = (server.address() as AddressInfo).port;
    if (fault === 'closed-port') {
      // Bound once so the port was really ours, then closed: connecting is refused.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return new FaultServer(fault, undefined, port, resolved);
    }
    return new FaultServer(fault, server, port, resolved);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** From now on every generation request gets the fault. */
  arm(): void {
    this.armed = true;
  }

  /** POST /v1/completions and /v1/chat/completions, in order of arrival. */
  generationRequests(): FaultRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/completions'));
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server, this.sockets);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const path = pathOf(req);
    const method = req.method ?? 'GET';
    try {
      const body = await readJson(req);
      this.requests.push({ method, path, headers: req.headers, body, armed: this.armed });
      if (method === 'GET' && path === '/v1/models') return send(res, 200, modelsResponse(FLAVOR, [MODEL]));
      if (method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
      if (method === 'POST' && (path === '/v1/completions' || path === '/v1/chat/completions')) {
        const kind = path === '/v1/completions' ? 'completion' : 'chat';
        return await (this.armed
          ? this.misbehave(kind, body ?? {}, req, res, gone.signal)
          : this.answer(kind, body ?? {}, res, gone.signal));
      }
      send(res, 404, errorBody(404, `No route for ${method} ${path}`, 'NotFoundError'));
    } catch {
      // The client went away (aborted timers) or the socket broke: nothing left to answer.
      if (!res.headersSent && !gone.signal.aborted) send(res, 500, errorBody(500, 'fault server error', 'InternalServerError'));
      else res.destroy();
    }
  }

  /** A healthy answer, streamed or whole, as vLLM gives it (it rejects `suffix`). */
  private async answer(
    kind: 'completion' | 'chat',
    body: Record<string, unknown>,
    res: http.ServerResponse,
    gone: AbortSignal,
    firstTokenDelayMs = 0,
  ): Promise<void> {
    if (kind === 'completion' && typeof body.suffix === 'string') {
      return send(res, 400, errorBody(400, 'suffix is not currently supported'));
    }
    const outcome = this.outcome(kind, body);
    const context = { flavor: FLAVOR, kind, id: `cmpl-fault-${++this.sequence}`, model: MODEL };
    if (body.stream !== true) {
      if (firstTokenDelayMs > 0) await delay(firstTokenDelayMs, undefined, { signal: gone });
      return send(res, 200, fullResponse(context, outcome));
    }
    const write = startStream(res, gone);
    if (firstTokenDelayMs > 0) await delay(firstTokenDelayMs, undefined, { signal: gone });
    const tokens = outcome.tokens.length > 0 ? outcome.tokens : [''];
    for (let i = 0; i < tokens.length; i++) {
      const last = i === tokens.length - 1;
      const chunk = streamChunk(context, tokens[i] as string, last ? outcome.finishReason : null, i === 0);
      await write(last ? { ...(chunk as object), ...finalChunkExtras(FLAVOR, outcome) } : chunk);
    }
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) await write(usageChunk(context, outcome));
    await write('[DONE]');
    res.end();
  }

  private async misbehave(
    kind: 'completion' | 'chat',
    body: Record<string, unknown>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    gone: AbortSignal,
  ): Promise<void> {
    const context = { flavor: FLAVOR, kind, id: `cmpl-fault-${++this.sequence}`, model: MODEL };
    const outcome = this.outcome(kind, body);
    switch (this.fault) {
      case 'healthy':
      case 'closed-port':
        return this.answer(kind, body, res, gone);
      case 'http-500':
        return send(res, 500, errorBody(500, 'CUDA error: out of memory', 'InternalServerError'));
      case 'rate-limit':
        return send(res, 429, errorBody(429, 'Rate limit exceeded', 'RateLimitError'), {
          'retry-after': String(this.options.retryAfterSeconds),
        });
      case 'echoed-key':
        // Some gateways quote the credentials they refused; the key must not travel further.
        return send(
          res,
          401,
          errorBody(401, `Invalid credentials in header "Authorization: ${req.headers.authorization ?? ''}"`, 'AuthenticationError'),
        );
      case 'reset':
        return void req.socket.destroy();
      case 'slow-first-token':
        return this.answer(kind, body, res, gone, this.options.slowFirstTokenMs);
      case 'stall-after-headers':
        startStream(res, gone);
        return untilGone(gone);
      case 'stall-mid-stream': {
        const write = startStream(res, gone);
        for (const token of outcome.tokens.slice(0, 2)) await write(streamChunk(context, token, null, token === outcome.tokens[0]));
        return untilGone(gone);
      }
      case 'malformed-sse': {
        const write = startStream(res, gone);
        await write(streamChunk(context, outcome.tokens[0] ?? '', null, true));
        await write('{"id": "cmpl-broken", "choices": [{"text": "oops"');
        await write('[DONE]');
        return void res.end();
      }
      case 'endless-stream': {
        // Ignores max_tokens and never finishes: only the client can end it.
        const write = startStream(res, gone);
        for (let i = 0; !gone.aborted; i++) {
          await write(streamChunk(context, ENDLESS_TOKEN, null, i === 0));
          await delay(this.options.endlessTokenGapMs, undefined, { signal: gone });
        }
        return;
      }
    }
  }

  private outcome(kind: 'completion' | 'chat', body: Record<string, unknown>): GenerationOutcome {
    const text = kind === 'chat' ? EXPLANATION_TEXT : COMPLETION_TEXT;
    let tokens: string[] = text.match(/[\s\S]{1,4}/g) ?? [];
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : Infinity;
    const cut = tokens.length > maxTokens;
    if (cut) tokens = tokens.slice(0, maxTokens);
    const prompt = kind === 'chat' ? JSON.stringify(body.messages ?? '') : String(body.prompt ?? '');
    return { model: MODEL, tokens, finishReason: cut ? 'length' : 'stop', promptTokens: Math.ceil(prompt.length / 4) };
  }
}

/** SSE headers at once, as vLLM sends them; see openEventStream. */
function startStream(res: http.ServerResponse, gone: AbortSignal): EventWriter {
  return openEventStream(res, flavorHeaders(FLAVOR), gone);
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, { ...flavorHeaders(FLAVOR), ...headers });
}
