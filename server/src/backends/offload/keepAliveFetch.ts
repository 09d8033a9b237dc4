/**
 * A `fetch` for the openai SDK built on node:http(s) with one keep-alive agent per backend.
 *
 * Why not the global fetch: its connection pool (undici's global dispatcher) cannot be closed
 * from here, so idle keep-alive sockets would outlive the backend, and an aborted stream's socket
 * is released on undici's schedule. Owning the agent gives three guarantees the backend needs:
 * connections are reused between requests (no TCP handshake per keystroke), an abort destroys the
 * request's socket at once, and `close()` leaves no socket behind.
 *
 * Only what the SDK uses is supported: string / binary bodies, streamed response bodies.
 *
 * A request written to a reused socket that the server had already decided to close is resent
 * once on a fresh socket (see `shouldResend`): llama.cpp's server closes the connection after
 * every streamed response while advertising Keep-Alive, so the next request often races its FIN.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface KeepAliveFetchOptions {
  /** Sockets per origin; completions are sequential per document, so a few suffice. */
  maxSockets?: number;
}

export class KeepAliveFetch {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private closed = false;
  /** Every socket a request used, until it is closed: a failed connect still closes asynchronously. */
  private readonly sockets = new Set<Socket>();

  constructor(options: KeepAliveFetchOptions = {}) {
    // Idle sockets are dropped after 4 s, before the usual 5 s server keep-alive limit (uvicorn,
    // Node), so a request is never written to a socket the server is closing at that moment.
    const agentOptions = { keepAlive: true, timeout: 4000, maxSockets: options.maxSockets ?? 8, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** Bound so it can be handed to `new OpenAI({ fetch })`. */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => this.request(input, init ?? {});

  /** Destroys every socket (idle, busy or still closing after an error) and resolves once all are closed. */
  async close(): Promise<void> {
    this.closed = true;
    const closedAll = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closedAll);
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket) || socket.closed) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private request(input: string | URL | Request, init: RequestInit): Promise<Response> {
    if (this.closed) return Promise.reject(new Error('The offload HTTP client was closed.'));
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const body = bodyBytes(init.body);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    if (body) headers['content-length'] = String(body.byteLength);
    return this.send(url, init, headers, body, signal, false);
  }

  /** One try; `fresh` forces a new connection (the resend after a dead reused socket). */
  private send(
    url: URL,
    init: RequestInit,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): Promise<Response> {
    const isHttps = url.protocol === 'https:';
    const transport = isHttps ? https : http;

    return new Promise<Response>((resolve, reject) => {
      const req = transport.request(url, {
        method: init.method ?? 'GET',
        headers,
        // A throwaway agent guarantees a new socket: the pooled ones may all be closing.
        agent: fresh ? false : isHttps ? this.httpsAgent : this.httpAgent,
      });
      let responded = false;
      req.on('socket', (socket) => this.track(socket));
      const onAbort = (): void => {
        req.destroy(abortError(signal?.reason));
      };
      const release = (): void => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      // Before the response this rejects the fetch; afterwards the body stream reports the failure.
      req.on('error', (error) => {
        release();
        if (!fresh && !responded && !this.closed && !signal?.aborted && shouldResend(req, error)) {
          this.send(url, init, headers, body, signal, true).then(resolve, reject);
          return;
        }
        reject(signal?.aborted ? abortError(signal.reason) : error);
      });
      req.on('response', (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          responseHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        }
        const hasBody = !(status === 204 || status === 205 || status === 304 || init.method === 'HEAD');
        if (!hasBody) {
          res.resume();
          release();
        }
        try {
          resolve(
            new Response(hasBody ? bodyStream(res, signal, release) : null, {
              status,
              statusText: res.statusMessage ?? '',
              headers: responseHeaders,
            }),
          );
        } catch (error) {
          // A status the Fetch API refuses (outside 200..599): treat it as a broken server.
          res.destroy();
          release();
          reject(new Error(`Server answered with unusable HTTP status ${status}.`, { cause: error }));
        }
      });
      req.end(body);
    });
  }
}

/**
 * Whether a failed request may be sent again: it went out on a reused keep-alive socket, and the
 * connection was reset or closed before a single response byte came back. That is the signature
 * of a server closing an idle connection just as we wrote to it (its FIN or RST was in flight):
 * the server closed a connection it considered finished, so the request never reached a handler
 * and nothing was generated; sending it again cannot do anything twice. A fresh connection that
 * fails, or any failure after response bytes, is a real failure and is reported as such.
 */
function shouldResend(req: http.ClientRequest, error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
}

/**
 * A web ReadableStream over the response that honours back-pressure and reports every way it can
 * end. A broken connection errors the stream only after the chunks that did arrive are read (an
 * errored web stream drops its queue), so the reader sees the partial answer, then the failure.
 * An abort errors it at once.
 */
function bodyStream(res: http.IncomingMessage, signal: AbortSignal | undefined, release: () => void): ReadableStream<Uint8Array> {
  let settled = false;
  let pendingError: unknown;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    release();
    return true;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.once('end', () => {
        if (settle()) controller.close();
      });
      const fail = (error: unknown): void => {
        if (!settle()) return;
        const queueEmpty = (controller.desiredSize ?? 0) >= 1;
        if (signal?.aborted) controller.error(abortError(signal.reason));
        else if (queueEmpty) controller.error(error);
        else pendingError = error;
      };
      res.once('error', fail);
      res.once('close', () =>
        fail(Object.assign(new Error('The server closed the connection before the response ended.'), { code: 'ECONNRESET' })),
      );
    },
    pull(controller) {
      if (pendingError !== undefined) {
        controller.error(pendingError);
        pendingError = undefined;
        return;
      }
      res.resume();
    },
    cancel() {
      settle();
      res.destroy();
    },
  });
}

function bodyBytes(body: RequestInit['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('The offload HTTP client only sends string or binary request bodies.');
}

function abortError(reason: unknown): Error {
  const error = new DOMException('The request was aborted.', 'AbortError');
  return Object.assign(error, { cause: reason });
}
