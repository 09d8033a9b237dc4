/**
 * Worker side: loads one client's models with transformers.js (once per task, lazily) and keeps
 * them until the client closes.
 *
 * Local directories are always loaded with `local_files_only`, and hub ids only when the client
 * allows remote models, so the network is never touched unless the user asked for it; hub
 * downloads land in a per-user cache rather than inside node_modules.
 */
import {
  AutoConfig,
  AutoModelForCausalLM,
  AutoModelForSeq2SeqLM,
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import type { Task } from '../../protocol';
import { checkModelDirectory, describeLoadFailure } from './modelFiles';
import type { ModelLocation } from './modelLocation';
import type { ClientSettings, LoadedModelInfo } from './workerProtocol';

export interface LoadedModel {
  info: LoadedModelInfo;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  /** Token ids after which generation stops (every special token: EOS, FIM markers, pad). */
  stopTokenIds: Set<number>;
}

type ProgressListener = (task: Task, progress: number) => void;
type Warn = (message: string) => void;

export class ModelHost {
  private readonly loads = new Map<Task, Promise<LoadedModel>>();

  constructor(
    private readonly init: ClientSettings,
    private readonly onProgress: ProgressListener,
    private readonly warn: Warn,
  ) {}

  /** Releases the onnxruntime sessions of every model this host loaded. */
  async dispose(): Promise<void> {
    const loads = [...this.loads.values()];
    this.loads.clear();
    for (const load of loads) {
      const loaded = await load.catch(() => undefined);
      await loaded?.model.dispose();
    }
  }

  /** Loads once; a failed load is remembered so every later request fails fast the same way. */
  get(task: Task): Promise<LoadedModel> {
    let load = this.loads.get(task);
    if (!load) {
      load = this.load(task);
      this.loads.set(task, load);
    }
    return load;
  }

  private async load(task: Task): Promise<LoadedModel> {
    const location = this.init.locations[task];
    const started = performance.now();
    const source = location.kind === 'directory' ? location.path : location.id;
    const checked = location.kind === 'directory' ? checkModelDirectory(location.path, this.init.dtype) : undefined;
    const dtype = checked?.dtype ?? this.init.dtype;
    if (checked && dtype !== this.init.dtype) {
      this.warn(`${location.name}: no ${this.init.dtype} weights, loading its ${dtype} weights instead.`);
    }
    const progress = new LoadProgress(checked?.files ?? [], (p) => this.onProgress(task, p));
    const options = {
      local_files_only: location.kind === 'directory' || !this.init.allowRemoteModels,
      cache_dir: this.init.cacheDir,
      progress_callback: (event: unknown) => progress.onEvent(event),
    };
    try {
      const config = await AutoConfig.from_pretrained(source, options);
      const encoderDecoder = (config as { is_encoder_decoder?: boolean }).is_encoder_decoder === true;
      const modelClass = encoderDecoder ? AutoModelForSeq2SeqLM : AutoModelForCausalLM;
      const sessionOptions: Record<string, unknown> = {
        logSeverityLevel: 3,
        interOpNumThreads: 1,
        // Weight-only int8 files (int8 initializer -> DequantizeLinear -> MatMul): by default
        // onnxruntime keeps the DequantizeLinear nodes for QDQ fusion and dequantizes every
        // weight on every run (measured 30.8 ms vs 8.7 ms per decode step). Disabling QDQ lets
        // it constant-fold them at load: fp32 speed from a 4x smaller file. No effect on fp32.
        // Idle intra-op threads sleep instead of spinning: on a shared machine (an editor, a
        // language server, other processes) spinning made 2 threads 2x slower than 1 thread,
        // while without it 2 threads match or beat 1 (measured on this 2-core machine).
        extra: { session: { disable_quant_qdq: '1', 'intra_op.allow_spinning': '0' } },
      };
      if (this.init.threads > 0) sessionOptions.intraOpNumThreads = this.init.threads;
      const [tokenizer, model] = await Promise.all([
        AutoTokenizer.from_pretrained(source, options),
        modelClass.from_pretrained(source, {
          ...options,
          config,
          dtype,
          device: 'cpu',
          session_options: sessionOptions,
        }),
      ]);
      progress.finish();
      return {
        info: describe(task, location, model, tokenizer, encoderDecoder, performance.now() - started),
        tokenizer,
        model,
        stopTokenIds: new Set(tokenizer.all_special_ids.map(Number)),
      };
    } catch (error) {
      throw describeLoadFailure(source, error);
    }
  }
}

function describe(
  task: Task,
  location: ModelLocation,
  model: PreTrainedModel,
  tokenizer: PreTrainedTokenizer,
  encoderDecoder: boolean,
  loadMs: number,
): LoadedModelInfo {
  const config = model.config as unknown as Record<string, unknown>;
  const fromConfig = [config.max_position_embeddings, config.n_positions, config.n_ctx].find(
    (v): v is number => typeof v === 'number' && v > 0,
  );
  // tokenizer_config's model_max_length is what the model was trained on (it may be shorter
  // than the position table); hub files often hold a huge sentinel there instead.
  const fromTokenizer =
    typeof tokenizer.model_max_length === 'number' && tokenizer.model_max_length < 1e6 ? tokenizer.model_max_length : undefined;
  const contextTokens =
    fromConfig !== undefined && fromTokenizer !== undefined ? Math.min(fromConfig, fromTokenizer) : (fromConfig ?? fromTokenizer);
  const trained = (config.tandem as { trained_context?: unknown } | undefined)?.trained_context;
  return {
    task,
    name: location.name,
    modelType: typeof config.model_type === 'string' ? config.model_type : 'unknown',
    encoderDecoder,
    contextTokens,
    trainedContextTokens: typeof trained === 'number' && trained > 0 ? trained : contextTokens,
    loadMs,
  };
}

/**
 * transformers.js reports per-file events (initiate / progress / done). Local ONNX files are
 * handed to onnxruntime by path, so 'done' arrives before the session is built: progress stays
 * below 1 until the model is actually usable.
 */
class LoadProgress {
  private readonly fractions = new Map<string, number>();
  private lastSent = -1;

  constructor(
    private readonly expected: string[],
    private readonly send: (progress: number) => void,
  ) {
    for (const file of expected) this.fractions.set(file, 0);
    this.emit(0);
  }

  onEvent(event: unknown): void {
    if (!event || typeof event !== 'object') return;
    const { status, file, progress } = event as { status?: string; file?: string; progress?: number };
    if (typeof file !== 'string') return;
    const key = file.replace(/^\/+/, '');
    if (status === 'initiate') this.fractions.set(key, this.fractions.get(key) ?? 0);
    else if (status === 'progress' && typeof progress === 'number') this.fractions.set(key, progress / 100);
    else if (status === 'done') this.fractions.set(key, 1);
    else return;
    const values = [...this.fractions.values()];
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, this.expected.length, 1);
    this.emit(0.9 * mean);
  }

  finish(): void {
    this.emit(1);
  }

  private emit(progress: number): void {
    // Throttle: only steps of 5 % (and the final 1) cross the thread boundary.
    if (progress < 1 && progress - this.lastSent < 0.05) return;
    this.lastSent = progress;
    this.send(progress);
  }
}
