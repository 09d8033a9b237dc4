/**
 * Entry point of the local-model worker thread (bundled to dist/localWorker.js).
 *
 * One worker serves every LocalBackend in the process; each backend is a client with its own
 * models. Each client's task (completion, explain) has its own queue: one generation at a time
 * per model, while a long explanation does not block completions for the whole of its run (the
 * two interleave step by step). A request whose abort flag is already set when its turn comes
 * is dropped without running.
 */
import { parentPort } from 'node:worker_threads';
import { format } from 'node:util';
import { env } from '@huggingface/transformers';
import type { Task } from '../../protocol';
import { ModelLoadError } from '../backend';
import { startCpuClock } from './cpuTime';
import { BadRequestError, countTokens, runGeneration, type GenerateMessage } from './generation';
import { ModelHost, type LoadedModel } from './modelHost';
import type { ClientSettings, FromWorker, SerializedError, ToWorker } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('localWorker must run in a worker thread.');
const post = (message: FromWorker): void => port.postMessage(message);

// Library output (transformers.js uses console.warn) goes to the server log, never to stdout,
// which may be the LSP channel.
for (const level of ['info', 'warn', 'error'] as const) {
  // eslint-disable-next-line no-console -- replacing the console is how its output is captured
  console[level] = (...args: unknown[]) => post({ type: 'log', level, message: format(...args) });
}
// eslint-disable-next-line no-console -- as above
console.log = (...args: unknown[]) => post({ type: 'log', level: 'info', message: format(...args) });
for (const [stream, level] of [
  [process.stdout, 'info'],
  [process.stderr, 'warn'],
] as const) {
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk).trimEnd();
    if (text) post({ type: 'log', level, message: text });
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    if (callback) queueMicrotask(callback);
    return true;
  }) as typeof stream.write;
}

env.allowLocalModels = true;
env.allowRemoteModels = false;
env.useBrowserCache = false;

interface Client {
  settings: ClientSettings;
  host: ModelHost;
  loads: Map<Task, Promise<LoadedModel>>;
  queues: Record<Task, Promise<void>>;
}

const clients = new Map<number, Client>();

function open(id: number, settings: ClientSettings): void {
  const host = new ModelHost(
    settings,
    (task, progress) => post({ type: 'load-progress', client: id, task, progress }),
    (message) => post({ type: 'log', level: 'warn', message }),
  );
  clients.set(id, { settings, host, loads: new Map(), queues: { completion: Promise.resolve(), explain: Promise.resolve() } });
  // Remote loading is also gated per load (local_files_only), so one client allowing it does
  // not let another download anything.
  env.allowRemoteModels = [...clients.values()].some((c) => c.settings.allowRemoteModels);
  env.localModelPath = settings.modelsRoot;
}

async function close(id: number): Promise<void> {
  const client = clients.get(id);
  if (!client) return;
  clients.delete(id);
  // Let queued work drain (the main thread aborted it) before freeing the sessions it uses.
  await Promise.all(Object.values(client.queues));
  await client.host.dispose();
}

function load(clientId: number, client: Client, task: Task): Promise<LoadedModel> {
  let loading = client.loads.get(task);
  if (!loading) {
    loading = client.host.get(task);
    client.loads.set(task, loading);
    loading.then(
      (model) => post({ type: 'loaded', client: clientId, info: model.info }),
      (error: unknown) => post({ type: 'load-failed', client: clientId, task, error: serialize(error) }),
    );
  }
  return loading;
}

async function handleGenerate(client: Client, message: GenerateMessage, receivedAt: number): Promise<void> {
  const flag = new Int32Array(message.abortFlag);
  const isAborted = () => Atomics.load(flag, 0) === 1;
  const cancelled = () =>
    post({
      type: 'done',
      id: message.id,
      promptTokens: 0,
      completionTokens: 0,
      finishReason: 'cancelled',
      timings: { firstTokenMs: 0, decodeMs: 0, steps: 0, evaluatedPromptTokens: 0, queuedMs: performance.now() - receivedAt },
    });
  if (isAborted() || !clients.has(message.client)) return cancelled();
  try {
    const loaded = await load(message.client, client, message.task);
    if (isAborted()) return cancelled();
    const queuedMs = performance.now() - receivedAt;
    // Around the generation only: queueing and model loading are not this request's work.
    const cpuMs = startCpuClock();
    const result = await runGeneration(loaded, message, isAborted, (text) => post({ type: 'delta', id: message.id, text }));
    post({ type: 'done', id: message.id, ...result, cpuMs: cpuMs(), timings: { ...result.timings, queuedMs } });
  } catch (error) {
    post({ type: 'error', id: message.id, error: serialize(error) });
  }
}

function serialize(error: unknown): SerializedError {
  if (error instanceof ModelLoadError) {
    return { name: error.name, message: error.message, kind: 'model-load', modelPath: error.modelPath };
  }
  if (error instanceof BadRequestError) return { name: 'BadRequestError', message: error.message, kind: 'bad-request' };
  const message = error instanceof Error ? error.message : String(error);
  return { name: error instanceof Error ? error.name : 'Error', message, kind: 'internal' };
}

function unknownClient(id: number): void {
  post({ type: 'error', id, error: { name: 'Error', message: 'the backend was closed', kind: 'internal' } });
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'open':
      open(message.client, message.settings);
      return;
    case 'close':
      close(message.client).catch((error: unknown) =>
        post({ type: 'log', level: 'warn', message: `Freeing local models failed: ${format(error)}` }),
      );
      return;
    case 'load': {
      const client = clients.get(message.client);
      if (client) load(message.client, client, message.task).catch(() => undefined); // reported as 'load-failed'
      return;
    }
    case 'generate': {
      const client = clients.get(message.client);
      if (!client) return unknownClient(message.id);
      const receivedAt = performance.now();
      const job = () => handleGenerate(client, message, receivedAt);
      client.queues[message.task] = client.queues[message.task].then(job, job);
      return;
    }
    case 'count-tokens': {
      const client = clients.get(message.client);
      if (!client) return unknownClient(message.id);
      load(message.client, client, message.task).then(
        (loaded) => post({ type: 'count', id: message.id, tokens: countTokens(loaded, message.text) }),
        (error: unknown) => post({ type: 'error', id: message.id, error: serialize(error) }),
      );
      return;
    }
  }
});

process.on('unhandledRejection', (reason) => {
  post({ type: 'log', level: 'error', message: `Unhandled rejection in local worker: ${format(reason)}` });
});
