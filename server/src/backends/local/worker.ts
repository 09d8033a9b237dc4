/**
 * Entry point of the local-model worker thread (bundled to dist/localWorker.js).
 *
 * Each task (completion, explain) has its own queue: one generation at a time per model, while
 * a long explanation does not block completions for the whole of its run (the two interleave
 * step by step). A request whose abort flag is already set when its turn comes is dropped
 * without running.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { format } from 'node:util';
import type { Task } from '../../protocol';
import { ModelLoadError } from '../backend';
import { BadRequestError, countTokens, runGeneration, type GenerateMessage } from './generation';
import { ModelHost, type LoadedModel } from './modelHost';
import type { FromWorker, SerializedError, ToWorker, WorkerInit } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('localWorker must run in a worker thread.');
const post = (message: FromWorker): void => port.postMessage(message);

// Library warnings (transformers.js uses console.warn) go to the server log, never to stdout,
// which may be the LSP channel.
for (const level of ['info', 'warn', 'error'] as const) {
  console[level] = (...args: unknown[]) => post({ type: 'log', level, message: format(...args) });
}
console.log = console.info;

const host = new ModelHost(workerData as WorkerInit, (task, progress) =>
  post({ type: 'load-progress', task, progress }),
);
const reported = new Map<Task, Promise<LoadedModel>>();
const queues: Record<Task, Promise<void>> = { completion: Promise.resolve(), explain: Promise.resolve() };

function load(task: Task): Promise<LoadedModel> {
  let loading = reported.get(task);
  if (!loading) {
    loading = host.get(task);
    reported.set(task, loading);
    loading.then(
      (model) => post({ type: 'loaded', info: model.info }),
      (error: unknown) => post({ type: 'load-failed', task, error: serialize(error) }),
    );
  }
  return loading;
}

function enqueue(task: Task, job: () => Promise<void>): void {
  queues[task] = queues[task].then(job, job);
}

async function handleGenerate(message: GenerateMessage, receivedAt: number): Promise<void> {
  const flag = new Int32Array(message.abortFlag);
  const isAborted = () => Atomics.load(flag, 0) === 1;
  const cancelled = () =>
    post({
      type: 'done',
      id: message.id,
      promptTokens: 0,
      completionTokens: 0,
      finishReason: 'cancelled',
      timings: { firstTokenMs: 0, decodeMs: 0, steps: 0, queuedMs: performance.now() - receivedAt },
    });
  if (isAborted()) return cancelled();
  try {
    const loaded = await load(message.task);
    if (isAborted()) return cancelled();
    const queuedMs = performance.now() - receivedAt;
    const result = await runGeneration(loaded, message, isAborted, (text) =>
      post({ type: 'delta', id: message.id, text }),
    );
    post({ type: 'done', id: message.id, ...result, timings: { ...result.timings, queuedMs } });
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

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      load(message.task).catch(() => undefined); // reported through 'load-failed'
      return;
    case 'generate': {
      const receivedAt = performance.now();
      enqueue(message.task, () => handleGenerate(message, receivedAt));
      return;
    }
    case 'count-tokens':
      load(message.task).then(
        (loaded) => post({ type: 'count', id: message.id, tokens: countTokens(loaded, message.text) }),
        (error: unknown) => post({ type: 'error', id: message.id, error: serialize(error) }),
      );
      return;
  }
});

process.on('unhandledRejection', (reason) => {
  post({ type: 'log', level: 'error', message: `Unhandled rejection in local worker: ${format(reason)}` });
});
