/**
 * The local backend: ONNX models run by @huggingface/transformers in a worker thread, so the
 * language server's event loop never blocks on inference.
 *
 * Models load lazily on first use of each task (or on `warmup()`), report progress through
 * status(), and a failed load is remembered as a ModelLoadError that names the path. Aborting a
 * request sets its shared abort flag, which the worker reads between decoding steps.
 */
import type { BackendStatus, Task } from '../../protocol';
import type { FimTemplateId, TandemConfig } from '../../config';
import { silentLogger, type Logger } from '../../logger';
import {
  BackendError,
  CancelledError,
  ModelLoadError,
  UnavailableError,
  collect,
  throwIfAborted,
  type Backend,
  type GenerateChunk,
  type GenerateRequest,
} from '../backend';
import { ChunkChannel } from './chunkChannel';
import { TASKS, computeStatus, errorOf, modelName, type TaskModelState } from './loadState';
import { defaultHubCacheDir, defaultModelsRoot, resolveModelLocation, type ModelLocation } from './modelLocation';
import { WorkerClient, type ModelEvent, type RequestMessage } from './workerClient';
import type { GenerateTuning, LoadedModelInfo, SerializedError, WorkerInit } from './workerProtocol';
import { resolveWorkerEntry } from './workerScript';

export type { GenerateTuning, LoadedModelInfo } from './workerProtocol';

export interface LocalBackendOptions {
  config: TandemConfig['local'];
  log?: Logger;
  /** Directory holding the bundled models; default `<package root>/models`. */
  modelsRoot?: string;
  /** Hub download cache; default `$XDG_CACHE_HOME/tandem/hub`. */
  cacheDir?: string;
  /** Worker script to run instead of the bundled or source one. */
  workerScript?: string;
  /** Called whenever status() would change (loading progress, ready, failure). */
  onStatusChange?: (status: BackendStatus) => void;
}

export class LocalBackend implements Backend {
  readonly id = 'local' as const;
  readonly supportsNativeSuffix = false;
  readonly fimTemplate: Exclude<FimTemplateId, 'auto'>;
  private readonly states: Record<Task, TaskModelState>;
  private readonly log: Logger;
  private readonly loadWaiters: Array<() => void> = [];
  private worker: WorkerClient | undefined;
  private workerProblem: string | undefined;
  private disposed = false;

  constructor(private readonly options: LocalBackendOptions) {
    this.log = options.log ?? silentLogger;
    this.states = {
      completion: this.resolve('completion', options.config.completionModel),
      explain: this.resolve('explain', options.config.explainModel),
    };
    this.fimTemplate = guessFimTemplate(this.states.completion);
  }

  get model(): string {
    return modelName(this.states.completion);
  }

  modelFor(task: Task): string {
    return modelName(this.states[task]);
  }

  /** What the worker reported when the task's model finished loading (undefined before). */
  loadedInfo(task: Task): LoadedModelInfo | undefined {
    const state = this.states[task];
    return state.phase === 'ready' ? state.info : undefined;
  }

  isAvailable(task: Task): boolean {
    return !this.disposed && errorOf(this.states[task]) === undefined;
  }

  status(): BackendStatus {
    return computeStatus(this.states, this.workerProblem, this.disposed);
  }

  /** Loads the task's model (if not yet loaded) and resolves when it is ready. */
  async load(task: Task, signal?: AbortSignal): Promise<LoadedModelInfo> {
    for (;;) {
      if (signal) throwIfAborted(signal);
      if (this.disposed) throw new UnavailableError('The local backend was shut down.');
      const state = this.states[task];
      if (state.phase === 'ready') return state.info;
      const error = errorOf(state);
      if (error) throw error;
      if (state.phase === 'idle') {
        this.ensureWorker().post({ type: 'load', task });
        this.setState(task, { phase: 'loading', location: state.location, progress: 0 });
      }
      await this.nextModelEvent(signal);
    }
  }

  /** Loads the models and runs one tiny generation on each, so the first real request is fast. */
  async warmup(tasks: readonly Task[] = TASKS, signal?: AbortSignal): Promise<void> {
    const warmSignal = signal ?? new AbortController().signal;
    for (const task of tasks) {
      await this.load(task, warmSignal);
      await collect(this.generate({ task, prompt: 'def main():', maxTokens: 2, temperature: 0, stop: [] }, warmSignal));
    }
  }

  async countTokens(task: Task, text: string, signal: AbortSignal): Promise<number> {
    await this.load(task, signal);
    const worker = this.ensureWorker();
    const id = worker.newId();
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => finish(() => reject(new CancelledError(undefined, { cause: signal.reason })));
      const finish = (settle: () => void) => {
        signal.removeEventListener('abort', onAbort);
        worker.release(id);
        settle();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      worker.request({ type: 'count-tokens', id, task, text }, (message) => {
        if (message.type === 'count') finish(() => resolve(message.tokens));
        else if (message.type === 'error') finish(() => reject(this.toError(message.error)));
      });
    });
  }

  generate(request: GenerateRequest, signal: AbortSignal, tuning: GenerateTuning = {}): AsyncIterable<GenerateChunk> {
    return this.stream(request, signal, tuning);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.wakeLoadWaiters();
    await worker?.terminate();
  }

  private async *stream(request: GenerateRequest, signal: AbortSignal, tuning: GenerateTuning): AsyncGenerator<GenerateChunk> {
    throwIfAborted(signal);
    if (this.disposed) throw new UnavailableError('The local backend was shut down.');
    const state = this.states[request.task];
    const loadError = errorOf(state);
    if (loadError) throw loadError;

    const worker = this.ensureWorker();
    if (state.phase === 'idle') this.setState(request.task, { phase: 'loading', location: state.location, progress: 0 });
    const id = worker.newId();
    const abortFlag = new SharedArrayBuffer(4);
    const flag = new Int32Array(abortFlag);
    const channel = new ChunkChannel<GenerateChunk>();
    const onAbort = () => {
      Atomics.store(flag, 0, 1);
      channel.fail(new CancelledError(undefined, { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      worker.request(
        {
          type: 'generate',
          id,
          task: request.task,
          prompt: request.prompt,
          ...(request.messages ? { messages: request.messages } : {}),
          maxTokens: request.maxTokens,
          temperature: request.temperature,
          stop: request.stop,
          tuning,
          abortFlag,
        },
        (message) => this.onRequestMessage(message, channel, signal),
      );
      yield* channel;
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Also reached when the consumer stops iterating early: stop the worker's decoding too.
      Atomics.store(flag, 0, 1);
      worker.release(id);
    }
  }

  private onRequestMessage(message: RequestMessage, channel: ChunkChannel<GenerateChunk>, signal: AbortSignal): void {
    switch (message.type) {
      case 'delta':
        channel.push({ type: 'text', text: message.text });
        return;
      case 'done': {
        if (message.finishReason === 'cancelled') {
          channel.fail(new CancelledError(undefined, { cause: signal.reason }));
          return;
        }
        const { firstTokenMs, decodeMs, steps } = message.timings;
        channel.push({
          type: 'done',
          usage: { promptTokens: message.promptTokens, completionTokens: message.completionTokens, source: 'tokenizer' },
          finishReason: message.finishReason,
          serverTimings: {
            promptMs: firstTokenMs,
            decodeMs,
            ...(steps > 1 && decodeMs > 0 ? { decodeTokensPerSecond: ((steps - 1) * 1000) / decodeMs } : {}),
          },
        });
        channel.end();
        return;
      }
      case 'error':
        channel.fail(this.toError(message.error));
        return;
      case 'count':
        return;
    }
  }

  private toError(error: SerializedError): BackendError {
    if (error.kind === 'model-load') return new ModelLoadError(error.message, error.modelPath ?? '');
    if (error.kind === 'bad-request') return new BackendError(error.message, 'bad-request');
    if (error.name === 'WorkerExit') return new UnavailableError(`The local model worker stopped: ${error.message}.`);
    return new UnavailableError(`Local generation failed: ${error.message}`);
  }

  private resolve(task: Task, setting: string): TaskModelState {
    try {
      const location = resolveModelLocation(setting, task, {
        allowRemoteModels: this.options.config.allowRemoteModels,
        ...(this.options.modelsRoot ? { modelsRoot: this.options.modelsRoot } : {}),
      });
      return { phase: 'idle', location };
    } catch (error) {
      if (error instanceof ModelLoadError) return { phase: 'unresolved', error };
      throw error;
    }
  }

  private ensureWorker(): WorkerClient {
    if (this.disposed) throw new UnavailableError('The local backend was shut down.');
    if (this.worker?.alive) return this.worker;
    const entry = resolveWorkerEntry(this.options.workerScript);
    if (!entry) {
      throw new UnavailableError('The local model worker script was not found; run `npm run build` to create dist/localWorker.js.');
    }
    this.worker = new WorkerClient(entry, this.workerInit(), this.log, {
      onModelEvent: (event) => this.onModelEvent(event),
      onExit: (reason) => this.onWorkerExit(reason),
    });
    return this.worker;
  }

  private workerInit(): WorkerInit {
    const locations = {} as Record<Task, ModelLocation>;
    for (const task of TASKS) {
      const state = this.states[task];
      // An unresolved task never reaches the worker; give it a placeholder it will not load.
      locations[task] = state.phase === 'unresolved' ? { kind: 'directory', path: '', name: '', bundled: false } : state.location;
    }
    const modelsRoot = this.options.modelsRoot ?? safeModelsRoot();
    return {
      dtype: this.options.config.dtype,
      threads: this.options.config.threads,
      allowRemoteModels: this.options.config.allowRemoteModels,
      cacheDir: this.options.cacheDir ?? defaultHubCacheDir(),
      modelsRoot,
      locations,
    };
  }

  private onModelEvent(event: ModelEvent): void {
    const task = event.type === 'loaded' ? event.info.task : event.task;
    const state = this.states[task];
    if (state.phase === 'unresolved') return;
    const { location } = state;
    if (event.type === 'load-progress') {
      if (state.phase === 'loading' || state.phase === 'idle') this.setState(task, { phase: 'loading', location, progress: event.progress });
    } else if (event.type === 'loaded') {
      this.workerProblem = undefined;
      this.log.info(`Loaded ${event.info.name} (${event.info.modelType}) in ${Math.round(event.info.loadMs)} ms.`);
      this.setState(task, { phase: 'ready', location, info: event.info });
    } else {
      const error = new ModelLoadError(event.error.message, event.error.modelPath ?? '');
      this.log.error(error.message);
      this.setState(task, { phase: 'failed', location, error });
    }
  }

  private onWorkerExit(reason: string): void {
    this.workerProblem = `The local model worker stopped (${reason}); it restarts on the next request.`;
    for (const task of TASKS) {
      const state = this.states[task];
      if (state.phase === 'ready') this.setState(task, { phase: 'idle', location: state.location });
      // A worker that dies while loading would die again on retry: remember it as a load failure.
      if (state.phase === 'loading') {
        const where = state.location.kind === 'directory' ? state.location.path : state.location.id;
        const error = new ModelLoadError(`The local model worker stopped while loading "${where}" (${reason}).`, where);
        this.setState(task, { phase: 'failed', location: state.location, error });
      }
    }
    this.options.onStatusChange?.(this.status());
  }

  private setState(task: Task, state: TaskModelState): void {
    this.states[task] = state;
    this.wakeLoadWaiters();
    this.options.onStatusChange?.(this.status());
  }

  private nextModelEvent(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new CancelledError(undefined, { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.loadWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private wakeLoadWaiters(): void {
    for (const wake of this.loadWaiters.splice(0)) wake();
  }
}

function safeModelsRoot(): string {
  try {
    return defaultModelsRoot();
  } catch {
    return process.cwd();
  }
}

/** The bundled model speaks StarCoder-style sentinels; other models by family name. */
function guessFimTemplate(state: TaskModelState): Exclude<FimTemplateId, 'auto'> {
  if (state.phase === 'unresolved') return 'tandem';
  if (state.location.kind === 'directory' && state.location.bundled) return 'tandem';
  const name = (state.location.kind === 'hub' ? state.location.id : state.location.name).toLowerCase();
  if (name.includes('codellama') || name.includes('code-llama')) return 'codellama';
  if (name.includes('deepseek')) return 'deepseek';
  if (/starcoder|santacoder|codeqwen|qwen/.test(name)) return 'starcoder';
  return 'tandem';
}
