/**
 * The one model worker thread of the process, shared by every LocalBackend.
 *
 * Why one, and never terminated by a backend: onnxruntime-node's native addon does not survive
 * worker threads coming and going. After a worker that loaded it exits, loading it in a new
 * worker fails ("Module did not self-register") unless the main thread holds it too, and after
 * a few such worker lifetimes the process aborts at exit (double free in the runtime's
 * teardown) — measured with onnxruntime-node 1.21 on Node 20. So backends open and close
 * *clients* of a long-lived worker (closing frees their ONNX sessions), and the worker is
 * unref'd whenever no request is in flight, so it never keeps a CLI or a test process alive.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger';
import type { ClientSettings, FromWorker, ModelEvent, RequestReply, ToWorker } from './workerProtocol';
import type { WorkerEntry } from './workerScript';

export interface ClientListener {
  log: Logger;
  onModelEvent(event: ModelEvent): void;
  /** The worker died; the client's pending requests have already been failed. */
  onExit(reason: string): void;
}

type IdMessage = Extract<ToWorker, { id: number }>;
type ClientMessage = Exclude<ToWorker, { id: number } | { type: 'open' }>;

let shared: ModelWorker | undefined;
let nextId = 0;
let pinned = false;

export class ModelWorker {
  private readonly worker: Worker;
  private readonly clients = new Map<number, ClientListener>();
  private readonly pending = new Map<number, { client: number; onReply: (reply: RequestReply) => void }>();
  private holds = 0;
  private exited = false;

  /** The live shared worker, started on first use (or again after it died). */
  static acquire(entry: WorkerEntry): ModelWorker {
    if (!shared || shared.exited) {
      pinOnnxRuntime();
      shared = new ModelWorker(entry);
    }
    return shared;
  }

  private constructor(entry: WorkerEntry) {
    const source = entry.kind === 'eval' ? entry.code : entry.file;
    // stdout/stderr: true keeps the worker's output off the process's stdout (the LSP channel
    // in --stdio mode). The worker turns its own writes into 'log' messages; the streams are
    // deliberately not read here, because reading them keeps the process alive (Node 20).
    this.worker = new Worker(source, { eval: entry.kind === 'eval', stdout: true, stderr: true });
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => this.route(message));
    this.worker.on('error', (error) => this.die(`it threw ${error.name}: ${error.message}`));
    this.worker.on('exit', (code) => this.die(`it exited with code ${code}`));
  }

  get alive(): boolean {
    return !this.exited;
  }

  newId(): number {
    return ++nextId;
  }

  openClient(settings: ClientSettings, listener: ClientListener): number {
    const client = ++nextId;
    this.clients.set(client, listener);
    this.worker.postMessage({ type: 'open', client, settings } satisfies ToWorker);
    return client;
  }

  /** Frees the client's models in the worker; its pending requests fail with `reason`. */
  closeClient(client: number, reason: string): void {
    for (const [id, entry] of [...this.pending]) {
      if (entry.client !== client) continue;
      this.finish(id);
      entry.onReply({ type: 'error', id, error: { name: 'ClientClosed', message: reason, kind: 'internal' } });
    }
    this.clients.delete(client);
    if (!this.exited) this.worker.postMessage({ type: 'close', client } satisfies ToWorker);
  }

  post(message: ClientMessage): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  /** Sends a request whose replies go to `onReply` until `finish(id)`. */
  request(message: IdMessage, onReply: (reply: RequestReply) => void): void {
    if (this.exited) throw new Error('The local model worker is not running.');
    this.pending.set(message.id, { client: message.client, onReply });
    this.retain();
    this.worker.postMessage(message);
  }

  finish(id: number): void {
    if (this.pending.delete(id)) this.releaseHold();
  }

  /** Keeps the process alive while `promise` (e.g. a model load) is outstanding. */
  async hold<T>(promise: Promise<T>): Promise<T> {
    this.retain();
    try {
      return await promise;
    } finally {
      this.releaseHold();
    }
  }

  private retain(): void {
    if (this.holds++ === 0 && !this.exited) this.worker.ref();
  }

  private releaseHold(): void {
    if (--this.holds === 0 && !this.exited) this.worker.unref();
  }

  private log(): Logger {
    return [...this.clients.values()].at(-1)?.log ?? { info: () => undefined, warn: () => undefined, error: () => undefined };
  }

  private route(message: FromWorker): void {
    if (message.type === 'log') this.log()[message.level](`[local worker] ${message.message}`);
    else if ('id' in message) this.pending.get(message.id)?.onReply(message);
    else this.clients.get(message.client)?.onModelEvent(message);
  }

  private die(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.log().error(`The local model worker stopped: ${reason}.`);
    const pending = [...this.pending];
    this.pending.clear();
    for (const [id, entry] of pending) {
      entry.onReply({ type: 'error', id, error: { name: 'WorkerExit', message: reason, kind: 'internal' } });
    }
    for (const listener of this.clients.values()) listener.onExit(reason);
    this.clients.clear();
  }
}

/**
 * Loading the addon once on the main thread keeps it resident, so a worker started after the
 * first one died can still load it (see the header). No session is created here.
 */
function pinOnnxRuntime(): void {
  if (pinned) return;
  pinned = true;
  // Synchronous on purpose: the addon must be resident before the next worker starts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('onnxruntime-node');
}
