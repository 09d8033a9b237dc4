/**
 * The local backend: ONNX models run by @huggingface/transformers in a worker thread, so the
 * language server's event loop never blocks on inference.
 *
 * Models load lazily on first use of each task (or on `load()` / `warmup()`), report progress
 * through status(), and a failed load is remembered as a ModelLoadError that names the path.
 * Aborting a request sets its shared abort flag, which the worker reads between decoding steps.
 */
import type { BackendStatus, ModelMemory, Task } from '../../protocol';
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
import { LoadMemory } from './loadMemory';
import { TASKS, computeStatus, errorOf, modelName, type TaskModelState } from './loadState';
import { defaultHubCacheDir, defaultModelsRoot, guessFimTemplate, resolveModelLocation, type ModelLocation } from './modelLocation';
import { readTrainedContext } from './modelFiles';
import { ModelWorker } from './modelWorker';
import type { ClientSettings, GenerateTuning, LoadedModelInfo, ModelEvent, RequestReply, SerializedError } from './workerProtocol';
import { resolveWorkerEntry } from './workerScript';

export type { GenerateTuning, LoadedModelInfo } from './workerProtocol';

const CHARS_PER_TOKEN = 3;
const ANSWER_ROOM_TOKENS = 64;

export interface LocalBackendOptions {
  config: TandemConfig['local'];
  log?: Logger;
  /** Directory holding the bundled models; default `<package root>/models`. */
  modelsRoot?: string;
  /** Hub download cache; default `$XDG_CACHE_HOME/tandem/hub`. */
  cacheDir?: string;
  /** Worker script to run instead of the bundled or source one (used when the worker starts). */
  workerScript?: string;
  /** Called whenever status() may have changed (loading progress, ready, failure). */
  onStatusChange?: (status: BackendStatus) => void;
}

interface Connection {
  worker: ModelWorker;
  client: number;
}

export class LocalBackend implements Backend {
  readonly id = 'local' as const;
  readonly supportsNativeSuffix = false;
  readonly fimTemplate: Exclude<FimTemplateId, 'auto'>;
  readonly lineEndTemplate: Exclude<FimTemplateId, 'auto'> | undefined;
  private readonly states: Record<Task, TaskModelState>;
  private readonly log: Logger;
  private readonly loadWaiters: Array<() => void> = [];
  private readonly loadMemory = new LoadMemory();
  private connection: Connection | undefined;
  private workerProblem: string | undefined;
  private disposed = false;
  private trainedWindow: number | undefined;

  constructor(private readonly options: LocalBackendOptions) {
    this.log = options.log ?? silentLogger;
    this.states = {
      completion: this.resolve('completion', options.config.completionModel),
      explain: this.resolve('explain', options.config.explainModel),
    };
    const completion = this.states.completion;
    const setting = options.config.fimTemplate;
    const chosen = setting !== 'auto';
    const location = completion.phase === 'unresolved' ? undefined : completion.location;
    this.fimTemplate = chosen ? setting : guessFimTemplate(location, options.cacheDir ?? defaultHubCacheDir());
    // The bundled model writes a next line better from the prefix alone (with token healing):
    // `tandem bench line-ends`, 144 held-out line ends: exact match 8 % vs 1 % with FIM, edit
    // similarity 0.21 vs 0.17. Mid-line, FIM keeps the text after the cursor in view.
    this.lineEndTemplate = !chosen && this.fimTemplate === 'tandem' ? 'none' : undefined;
  }

  get model(): string {
    return modelName(this.states.completion);
  }

  modelFor(task: Task): string {
    return modelName(this.states[task]);
  }

  decodingFor(task: Task): string | undefined {
    return task === 'completion' && this.options.config.contextCache ? 'context-cache' : undefined;
  }

  /**
   * Prefix + suffix characters the completion model handles well: its trained window, less room
   * for the answer, at ~3 characters per token (the bundled tokenizer averages 3.1 on the
   * held-out Python, TypeScript and JavaScript files).
   */
  get completionContextChars(): number | undefined {
    const state = this.states.completion;
    let tokens: number | undefined;
    if (state.phase === 'ready') tokens = state.info.trainedContextTokens;
    else if (state.phase !== 'unresolved' && state.location.kind === 'directory') {
      tokens = this.trainedWindow ??= readTrainedContext(state.location.path) ?? 0;
    }
    return tokens ? Math.floor(Math.max(tokens - ANSWER_ROOM_TOKENS, tokens / 2) * CHARS_PER_TOKEN) : undefined;
  }

  /** Each loaded model's memory as measured at load (snapshot `memory.models`). */
  modelMemory(): ModelMemory[] {
    return this.loadMemory.all();
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
      const { worker, client } = this.connect();
      if (state.phase === 'idle') {
        worker.post({ type: 'load', client, task });
        this.setState(task, { phase: 'loading', location: state.location, progress: 0 });
      }
      await worker.hold(this.nextModelEvent(signal));
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

  /** Tokens in `text` by the task's model tokenizer (loads the model if needed). */
  async countTokens(task: Task, text: string, signal: AbortSignal): Promise<number> {
    await this.load(task, signal);
    const { worker, client } = this.connect();
    const id = worker.newId();
    return new Promise<number>((resolve, reject) => {
      const settle = (action: () => void) => {
        signal.removeEventListener('abort', onAbort);
        worker.finish(id);
        action();
      };
      const onAbort = () => settle(() => reject(new CancelledError(undefined, { cause: signal.reason })));
      signal.addEventListener('abort', onAbort, { once: true });
      worker.request({ type: 'count-tokens', client, id, task, text }, (reply) => {
        if (reply.type === 'count') settle(() => resolve(reply.tokens));
        else if (reply.type === 'error') settle(() => reject(this.toError(reply.error)));
      });
    });
  }

  /** `tuning` is for benchmarks (decoding without the KV cache, ignoring end-of-sequence). */
  generate(request: GenerateRequest, signal: AbortSignal, tuning: GenerateTuning = {}): AsyncIterable<GenerateChunk> {
    return this.stream(request, signal, tuning);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const connection = this.connection;
    this.connection = undefined;
    connection?.worker.closeClient(connection.client, 'the local backend was shut down');
    this.wakeLoadWaiters();
    this.options.onStatusChange?.(this.status());
  }

  private async *stream(request: GenerateRequest, signal: AbortSignal, tuning: GenerateTuning): AsyncGenerator<GenerateChunk> {
    throwIfAborted(signal);
    if (this.disposed) throw new UnavailableError('The local backend was shut down.');
    const state = this.states[request.task];
    const loadError = errorOf(state);
    if (loadError) throw loadError;

    const { worker, client } = this.connect();
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
      const { task, prompt, messages, maxTokens, temperature, seed, stop } = request;
      const contextCache = task === 'completion' && (tuning.contextCache ?? this.options.config.contextCache);
      worker.request(
        {
          type: 'generate',
          client,
          id,
          task,
          prompt,
          ...(messages ? { messages } : {}),
          maxTokens,
          temperature,
          ...(seed !== undefined ? { seed } : {}),
          stop,
          tuning,
          contextCache,
          abortFlag,
        },
        (reply) => this.onReply(reply, channel, signal),
      );
      yield* channel;
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Also reached when the consumer stops iterating early: stop the worker's decoding too.
      Atomics.store(flag, 0, 1);
      worker.finish(id);
    }
  }

  private onReply(reply: RequestReply, channel: ChunkChannel<GenerateChunk>, signal: AbortSignal): void {
    if (reply.type === 'delta') {
      channel.push({ type: 'text', text: reply.text });
    } else if (reply.type === 'error') {
      channel.fail(this.toError(reply.error));
    } else if (reply.type === 'done') {
      if (reply.finishReason === 'cancelled') {
        channel.fail(new CancelledError(undefined, { cause: signal.reason }));
        return;
      }
      const { firstTokenMs, decodeMs, steps, evaluatedPromptTokens } = reply.timings;
      channel.push({
        type: 'done',
        usage: {
          promptTokens: reply.promptTokens,
          completionTokens: reply.completionTokens,
          source: 'tokenizer',
          ...(reply.cpuMs !== undefined ? { cpuMs: reply.cpuMs } : {}),
        },
        finishReason: reply.finishReason,
        serverTimings: {
          // As llama.cpp's prompt_n: the tokens evaluated, not those whose KV was reused.
          promptTokens: evaluatedPromptTokens,
          promptMs: firstTokenMs,
          decodeMs,
          ...(steps > 1 && decodeMs > 0 ? { decodeTokensPerSecond: ((steps - 1) * 1000) / decodeMs } : {}),
        },
      });
      channel.end();
    }
  }

  private toError(error: SerializedError): BackendError {
    if (error.kind === 'model-load') return new ModelLoadError(error.message, error.modelPath ?? '');
    if (error.kind === 'bad-request') return new BackendError(error.message, 'bad-request');
    if (error.name === 'WorkerExit') return new UnavailableError(`The local model worker stopped: ${error.message}.`);
    if (error.name === 'ClientClosed') return new UnavailableError(`Local generation stopped: ${error.message}.`);
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

  private connect(): Connection {
    if (this.disposed) throw new UnavailableError('The local backend was shut down.');
    if (this.connection?.worker.alive) return this.connection;
    const entry = resolveWorkerEntry(this.options.workerScript);
    if (!entry) {
      throw new UnavailableError('The local model worker script was not found; run `npm run build` to create dist/localWorker.js.');
    }
    const worker = ModelWorker.acquire(entry);
    const client = worker.openClient(this.clientSettings(), {
      log: this.log,
      onModelEvent: (event) => this.onModelEvent(event),
      onExit: (reason) => this.onWorkerExit(reason),
    });
    this.connection = { worker, client };
    return this.connection;
  }

  private clientSettings(): ClientSettings {
    const locations = {} as Record<Task, ModelLocation>;
    for (const task of TASKS) {
      const state = this.states[task];
      // An unresolved task never reaches the worker; give it a placeholder it will not load.
      locations[task] = state.phase === 'unresolved' ? { kind: 'directory', path: '', name: '', bundled: false } : state.location;
    }
    const { dtype, threads, allowRemoteModels } = this.options.config;
    return {
      dtype,
      threads,
      allowRemoteModels,
      cacheDir: this.options.cacheDir ?? defaultHubCacheDir(),
      modelsRoot: this.options.modelsRoot ?? safeModelsRoot(),
      locations,
    };
  }

  private onModelEvent(event: ModelEvent): void {
    const task = event.type === 'loaded' ? event.info.task : event.task;
    const state = this.states[task];
    if (state.phase === 'unresolved') return;
    const { location } = state;
    if (event.type === 'load-progress') {
      if (state.phase === 'loading') this.setState(task, { phase: 'loading', location, progress: event.progress });
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
    this.connection = undefined;
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
    // Memory as measured at load: from the start of a load to the worker's `loaded` (loadMemory.ts).
    const before = this.states[task].phase;
    if (state.phase === 'loading' && before !== 'loading') this.loadMemory.loadStarted(task);
    else if (state.phase === 'ready' && before !== 'ready') this.loadMemory.loaded(task, state.info.name);
    else if (state.phase !== 'loading' && state.phase !== 'ready') this.loadMemory.failed(task);
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
