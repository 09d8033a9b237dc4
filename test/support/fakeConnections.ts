/**
 * The fake OpenAI server's view of its TCP connections: how many were accepted, which are open,
 * how many requests each carried, and the two connection-level behaviours the offload client
 * must survive:
 *   - llama.cpp closes a connection after each streamed response although it sent `Keep-Alive`,
 *     so a request already on its way on that connection is reset (closeAfterStream);
 *   - a 'reset' fault on a reused connection also resets the client's one resend on a new one
 *     (resetNow), so the server is seen really resetting, not a keep-alive close race.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { trackSockets } from './fakeHttp';

export class FakeConnections {
  /** Open right now (the set closeServer drops). */
  readonly sockets: Set<Socket>;
  private accepted = 0;
  /** llamacpp: connections the server has finished with after a streamed response. */
  private readonly closing = new Set<Socket>();
  /** Requests seen per connection, to tell a reused connection from a new one. */
  private readonly requestsOn = new WeakMap<Socket, number>();
  /** A 'reset' fault hit a reused connection: the client's resend on a new one gets it too. */
  private resetResend = false;

  constructor(server: http.Server) {
    this.sockets = trackSockets(server);
    server.on('connection', () => (this.accepted += 1));
  }

  /** TCP connections accepted so far. */
  get count(): number {
    return this.accepted;
  }

  /**
   * Counts a request on its connection; false (and the socket destroyed) when the request must
   * not reach a handler: it came on a connection the server had closed, or it is the resend of
   * a request that a 'reset' fault destroyed.
   */
  admit(socket: Socket): boolean {
    if (this.closing.has(socket)) {
      socket.destroy();
      return false;
    }
    const onSocket = (this.requestsOn.get(socket) ?? 0) + 1;
    this.requestsOn.set(socket, onSocket);
    if (this.resetResend) {
      this.resetResend = false;
      if (onSocket === 1) {
        socket.destroy();
        return false;
      }
    }
    return true;
  }

  /** A 'reset' fault before any response byte: destroys the connection. */
  resetNow(socket: Socket | null): void {
    this.resetResend = socket !== null && (this.requestsOn.get(socket) ?? 0) > 1;
    socket?.destroy();
  }

  /**
   * llamacpp: the connection is done once a streamed response is sent. A request that arrives on
   * it afterwards is reset (see admit); the socket itself goes shortly after, as the client's
   * pool would otherwise keep it. (The short delay makes the race with a back-to-back request
   * certain instead of a matter of scheduling.)
   */
  closeAfterStream(socket: Socket | null): void {
    if (!socket || socket.destroyed) return;
    this.closing.add(socket);
    const timer = setTimeout(() => socket.destroy(), 50);
    socket.once('close', () => {
      clearTimeout(timer);
      this.closing.delete(socket);
    });
  }
}
