/**
 * The in-process server `tandem bench overhead` measures against when given no --url: a vLLM-like
 * OpenAI endpoint on 127.0.0.1 with a timing profile — headers at once, the first token after
 * `firstTokenMs` ("prefill"), then one 4-character token every `tokenMs` ("decode").
 *
 * It is the benchmark's own, so that no test code ships in dist/cli.js (the test suite's fake,
 * test/support/fakeOpenAIServer.ts, imitates five servers and their faults; this needs none of
 * that). What it answers is what OffloadBackend and BareStreamClient read: GET /v1/models with
 * vLLM's `owned_by`, POST /v1/completions streamed (SSE, a usage chunk when asked, [DONE]) or
 * whole, and vLLM's 400 for `suffix`, so the probe settles on the prompt template as with vLLM.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface TimingProfile {
  firstTokenMs: number;
  tokenMs: number;
  /** Tokens in every answer (fewer when the request's max_tokens is lower). */
  tokens: number;
}

export const PROFILED_MODEL = 'codellama/CodeLlama-7b-Instruct-hf';
const TOKEN = 'tok_';

export class ProfiledServer {
  private readonly sockets = new Set<Socket>();
  private sequence = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly profile: TimingProfile,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(profile: TimingProfile): Promise<ProfiledServer> {
    const server = http.createServer({ keepAliveTimeout: 5000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new ProfiledServer(server, profile);
  }

  /** The OpenAI base URL, e.g. http://127.0.0.1:41234/v1. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Stops listening and resolves once every connection's handle is closed. */
  async close(): Promise<void> {
    const socketsClosed = [...this.sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(socketsClosed);
    // libuv frees the listening handle in a later loop turn.
    await new Promise((resolve) => setImmediate(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const path = (req.url ?? '/').split('?')[0];
    try {
      const body = await readJson(req);
      if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, models());
      if (req.method === 'POST' && path === '/v1/completions') return await this.complete(body, res, gone.signal);
      sendJson(res, 404, errorBody(404, `No route for ${req.method} ${path}`));
    } catch {
      // The client went away mid-answer (the delay was aborted): nothing left to send.
      if (!res.headersSent && !gone.signal.aborted) sendJson(res, 500, errorBody(500, 'profiled server error'));
      else res.destroy();
    }
  }

  private async complete(body: Record<string, unknown>, res: http.ServerResponse, gone: AbortSignal): Promise<void> {
    if (typeof body.suffix === 'string') return sendJson(res, 400, errorBody(400, 'suffix is not currently supported'));
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : Infinity;
    const count = Math.max(1, Math.min(this.profile.tokens, maxTokens));
    const finishReason = count < this.profile.tokens ? 'length' : 'stop';
    const id = `cmpl-bench-${++this.sequence}`;
    const usage = { prompt_tokens: Math.ceil(String(body.prompt ?? '').length / 4), completion_tokens: count, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + count;
    const base = { id, object: 'text_completion', created: 1700000000, model: PROFILED_MODEL };
    const choice = (text: string, finish: string | null) => ({ index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null });
    if (body.stream !== true) {
      await pause(this.profile.firstTokenMs, gone);
      return sendJson(res, 200, { ...base, choices: [choice(TOKEN.repeat(count), finishReason)], usage });
    }
    res.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    // Each event is flushed before the next delay starts, as a streaming server sends it.
    const write = (data: unknown): Promise<void> =>
      new Promise((resolve) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve()));
    for (let i = 0; i < count; i++) {
      await pause(i === 0 ? this.profile.firstTokenMs : this.profile.tokenMs, gone);
      await write({ ...base, choices: [choice(TOKEN, i === count - 1 ? finishReason : null)] });
    }
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) await write({ ...base, choices: [], usage });
    await write('[DONE]');
    res.end();
  }
}

/** Waits `ms` (no timer at all for 0, so a zero profile adds no loop turn); rejects once the client is gone. */
async function pause(ms: number, gone: AbortSignal): Promise<void> {
  if (ms > 0) await delay(ms, undefined, { signal: gone });
  else if (gone.aborted) throw new Error('client went away');
}

/** vLLM's `server` header and model listing (owned_by "vllm" is how the probe knows it). */
const HEADERS = { server: 'uvicorn' };

function models(): unknown {
  return {
    object: 'list',
    data: [{ id: PROFILED_MODEL, object: 'model', created: 1700000000, owned_by: 'vllm', root: PROFILED_MODEL, max_model_len: 16384 }],
  };
}

function errorBody(status: number, message: string): unknown {
  return { error: { message, type: 'BadRequestError', param: null, code: status } };
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return parts.length > 0 ? (JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
