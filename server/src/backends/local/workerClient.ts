/**
 * Main-thread handle on the model worker: starts it, routes its messages to the request that
 * owns them, and turns a crash into one error for everything in flight.
 *
 * The worker is ref'd only while requests are pending, so an idle worker never keeps a CLI or a
 * test process alive, and a busy one is never dropped by an exiting event loop.
 */
import { Worker } from 'node:worker_threads';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../../logger';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol';
import type { WorkerEntry } from './workerScript';

export type RequestMessage = Extract<FromWorker, { id: number }>;
export type ModelEvent = Exclude<FromWorker, { id: number } | { type: 'log' }>;

export interface WorkerClientEvents {
  onModelEvent(event: ModelEvent): void;
  /** The worker died; every pending request has already been told. */
  onExit(reason: string): void;
}

export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (message: RequestMessage) => void>();
  private exited = false;
  private nextId = 0;

  constructor(
    entry: WorkerEntry,
    init: WorkerInit,
    private readonly log: Logger,
    private readonly events: WorkerClientEvents,
  ) {
    const source = entry.kind === 'eval' ? entry.code : entry.file;
    // stdout/stderr: true keeps the worker's output off the process's stdout (the LSP channel
    // in --stdio mode); it is read here and sent to the log instead.
    this.worker = new Worker(source, { eval: entry.kind === 'eval', workerData: init, stdout: true, stderr: true });
    this.worker.unref();
    forwardLines(this.worker.stdout, (line) => log.info(`[local worker] ${line}`));
    forwardLines(this.worker.stderr, (line) => log.warn(`[local worker] ${line}`));
    this.worker.on('message', (message: FromWorker) => this.route(message));
    this.worker.on('error', (error) => this.die(`it threw ${error.name}: ${error.message}`));
    this.worker.on('exit', (code) => this.die(`it exited with code ${code}`));
  }

  get alive(): boolean {
    return !this.exited;
  }

  newId(): number {
    return ++this.nextId;
  }

  /** Sends a request whose replies go to `onMessage` until `release(id)`. */
  request(message: Extract<ToWorker, { id: number }>, onMessage: (message: RequestMessage) => void): void {
    if (this.exited) throw new Error('The local model worker is not running.');
    this.pending.set(message.id, onMessage);
    this.worker.ref();
    this.worker.postMessage(message);
  }

  release(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  post(message: Exclude<ToWorker, { id: number }>): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    this.exited = true;
    this.failPending('the backend was disposed');
    await this.worker.terminate();
  }

  private route(message: FromWorker): void {
    if (message.type === 'log') {
      this.log[message.level](`[local worker] ${message.message}`);
    } else if ('id' in message) {
      this.pending.get(message.id)?.(message);
    } else {
      this.events.onModelEvent(message);
    }
  }

  private die(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.log.error(`The local model worker stopped: ${reason}.`);
    this.failPending(reason);
    this.events.onExit(reason);
  }

  private failPending(reason: string): void {
    const handlers = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, handler] of handlers) {
      handler({ type: 'error', id, error: { name: 'WorkerExit', message: reason, kind: 'internal' } });
    }
  }
}

function forwardLines(stream: Readable | null | undefined, write: (line: string) => void): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on('line', (line) => {
    if (line.trim()) write(line);
  });
}
