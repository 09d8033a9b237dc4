/**
 * The live Prometheus endpoint (`tandem.metrics.prometheusPort`, 0 = off): GET /metrics on
 * 127.0.0.1 only, serving the registry's text; 404 for any other path. Loopback only, and only
 * for a loopback Host header, so no other machine can read it and a web page cannot reach it
 * through DNS rebinding. A port already in use is one warning, never a crash; the endpoint then
 * stays off until the setting changes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { TandemPromMetrics } from './promRegistry';

export const PROMETHEUS_HOST = '127.0.0.1';
export const METRICS_PATH = '/metrics';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class PrometheusEndpoint {
  private server: Server | undefined;
  private port = 0;
  /** configure() calls run one after another: a quick change of setting never races a listen. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly metrics: TandemPromMetrics,
    private readonly log: Logger,
  ) {}

  /** The port it listens on (the one the OS chose for a requested 0 in tests), or undefined. */
  get listeningPort(): number | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? address.port : undefined;
  }

  /**
   * Starts, moves or stops the endpoint for the setting's port (0 = off). Never rejects.
   * `anyPort` (tests) listens on a port the OS chooses.
   */
  configure(port: number, options: { anyPort?: boolean } = {}): Promise<void> {
    const wanted = options.anyPort ? -1 : Number.isInteger(port) && port > 0 && port < 65536 ? port : 0;
    this.queue = this.queue.then(() => this.apply(wanted));
    return this.queue;
  }

  close(): Promise<void> {
    return this.configure(0);
  }

  private async apply(wanted: number): Promise<void> {
    if (wanted === this.port && wanted !== -1) return;
    await this.stop();
    this.port = wanted;
    if (wanted === 0) return;
    const server = createServer((request, response) => void this.handle(request, response));
    try {
      await listen(server, wanted === -1 ? 0 : wanted);
      // A listening server's later errors are logged: an unhandled 'error' would end the process.
      server.on('error', (error) => this.log.warn(`Prometheus endpoint: ${error.message}`));
      this.server = server;
      this.log.info(`Prometheus metrics at http://${PROMETHEUS_HOST}:${this.listeningPort}${METRICS_PATH}`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'EADDRINUSE'
          ? 'is in use by another program'
          : `cannot be opened (${error instanceof Error ? error.message : String(error)})`;
      this.log.warn(
        `Prometheus endpoint is off: port ${wanted} on ${PROMETHEUS_HOST} ${why}; ` + 'choose another tandem.metrics.prometheusPort.',
      );
    }
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.port = 0;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A scraper's keep-alive connection must not hold the old port open.
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '').split('?')[0];
      if (!isLoopbackHost(request.headers.host)) return end(response, 403, 'Forbidden\n');
      if (path !== METRICS_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
        return end(response, 404, 'Not found: Tandem serves GET /metrics\n');
      }
      const { contentType, text } = await this.metrics.exposition();
      response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch (error) {
      this.log.error(`Serving Prometheus metrics failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) end(response, 500, 'Internal error\n');
      else response.destroy();
    }
  }
}

/** The Host header's name without its port; an absent header (HTTP/1.0) is allowed. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return LOOPBACK_HOSTS.has((name ?? '').toLowerCase());
}

function end(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, PROMETHEUS_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
