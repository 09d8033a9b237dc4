/**
 * The HTTP plumbing the fake servers share (fakeOpenAIServer.ts, faultServer.ts): listening on
 * 127.0.0.1, reading a JSON body, answering JSON, streaming SSE events one flushed write at a
 * time, and closing so that no socket, handle or timer outlives the test.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type EventWriter = (data: unknown) => Promise<void>;

/** Listens on 127.0.0.1 (`port` 0: any free port). */
export async function listenLocally(server: http.Server, port = 0): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** The sockets open right now on `server`, kept up to date. */
export function trackSockets(server: http.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Stops listening, drops every connection and resolves once their handles are closed. */
export async function closeServer(server: http.Server, sockets: ReadonlySet<Socket>): Promise<void> {
  const socketsClosed = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(socketsClosed);
  // libuv frees the listening handle in a later "close" phase (the next loop turn when close()
  // ran inside a close callback); an immediate, then a timer, are both behind it.
  await new Promise((resolve) => setImmediate(resolve));
  await delay(1);
}

/** The path of a request without its query string. */
export function pathOf(req: http.IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

/** The parsed JSON body, or undefined when there is none or it is not JSON. */
export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  if (parts.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Sends SSE headers at once; returns a writer of `data: …` events. Each event is flushed to the
 * socket before the writer resolves, as streaming servers do (so a reset that follows really
 * comes after the tokens that were sent). Once the client is gone, writes are skipped.
 */
export function openEventStream(res: http.ServerResponse, headers: Record<string, string>, gone: AbortSignal): EventWriter {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  return (data) =>
    new Promise((resolve) => {
      if (gone.aborted) return resolve();
      res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, () => resolve());
    });
}

/** Resolves once the client has gone away (at once if it already has). */
export function untilGone(gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (gone.aborted) return resolve();
    gone.addEventListener('abort', () => resolve(), { once: true });
  });
}
