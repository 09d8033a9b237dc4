/**
 * Messages between LocalBackend instances (main thread) and the one model worker thread.
 *
 * The worker is shared by every LocalBackend in the process (see modelWorker.ts for why): each
 * backend opens a "client" with its own settings and models, identified by `client`.
 *
 * Cancellation does not travel as a message: every request carries its own SharedArrayBuffer
 * flag. The worker's event loop is busy while onnxruntime decodes, so a posted "cancel" would
 * only be read after generation ends; the flag is read synchronously by a StoppingCriteria
 * between decoding steps and before a queued request starts.
 */
import type { Task } from '../../protocol';
import type { TandemConfig } from '../../config';
import type { ChatMessage } from '../backend';
import type { ModelLocation } from './modelLocation';

export interface ClientSettings {
  dtype: TandemConfig['local']['dtype'];
  threads: number;
  allowRemoteModels: boolean;
  /** Where hub downloads are cached (only used when allowRemoteModels is true). */
  cacheDir: string;
  /** Directory that holds the bundled models (env.localModelPath). */
  modelsRoot: string;
  locations: Record<Task, ModelLocation>;
}

/** Tuning knobs for benchmarks; the product path never sets them. */
export interface GenerateTuning {
  /** false re-runs the whole sequence every step (no KV cache), to measure what the cache saves. */
  useCache?: boolean;
  /** Keep decoding through end-of-sequence until maxTokens (steady-state speed measurements). */
  ignoreEos?: boolean;
  /** Overrides `local.contextCache` (evaluations measure with and without). */
  contextCache?: boolean;
  /** false: prefill the whole prompt even when the previous run shared a prefix (cold TTFT). */
  promptCache?: boolean;
  /** false: no token healing of a completion prompt's last token (tokenHealing.ts), to compare. */
  tokenHealing?: boolean;
}

export type ToWorker =
  | { type: 'open'; client: number; settings: ClientSettings }
  /** Frees the client's models; its queued requests end with an error. */
  | { type: 'close'; client: number }
  | { type: 'load'; client: number; task: Task }
  | {
      type: 'generate';
      client: number;
      id: number;
      task: Task;
      prompt: string;
      /** explain only: used instead of `prompt` when the model is a chat-templated decoder. */
      messages?: ChatMessage[];
      maxTokens: number;
      temperature: number;
      /** Seeded sampling (seededSampling.ts) when set and temperature > 0. */
      seed?: number;
      stop: string[];
      tuning: GenerateTuning;
      /** Mix the prompt's cache model into completion decoding (decoder-only models). */
      contextCache: boolean;
      /** Int32Array(1) view target; 1 = abort. */
      abortFlag: SharedArrayBuffer;
    }
  | { type: 'count-tokens'; client: number; id: number; task: Task; text: string };

export interface SerializedError {
  name: string;
  message: string;
  kind: 'model-load' | 'bad-request' | 'internal';
  modelPath?: string;
}

export interface WorkerTimings {
  /** Request start (in the worker) to first generated token: tokenization + prefill + 1 step. */
  firstTokenMs: number;
  /** First to last generated token. */
  decodeMs: number;
  /** Time spent waiting in the per-model queue before running. */
  queuedMs: number;
  /** Decoding steps run (generated tokens including a final end-of-sequence token). */
  steps: number;
  /**
   * Prompt tokens the model ran a forward pass over: fewer than the prompt's when the KV of a
   * shared prefix was reused (promptKvCache.ts) or the last token was healed (tokenHealing.ts).
   */
  evaluatedPromptTokens: number;
}

export interface LoadedModelInfo {
  task: Task;
  name: string;
  modelType: string;
  encoderDecoder: boolean;
  /** Longest sequence the model accepts (prompt + output), when the config says. */
  contextTokens: number | undefined;
  /** Window the model was trained on, when its config says (quality drops beyond it). */
  trainedContextTokens: number | undefined;
  loadMs: number;
}

/** Events about a client's models (not tied to one request). */
export type ModelEvent =
  | { type: 'load-progress'; client: number; task: Task; progress: number }
  | { type: 'loaded'; client: number; info: LoadedModelInfo }
  | { type: 'load-failed'; client: number; task: Task; error: SerializedError };

/** Replies to one request, routed by `id`. */
export type RequestReply =
  | { type: 'delta'; id: number; text: string }
  | {
      type: 'done';
      id: number;
      promptTokens: number;
      completionTokens: number;
      finishReason: 'stop' | 'length' | 'cancelled';
      timings: WorkerTimings;
      /** User + system CPU time of the process during the generation, ms (cpuTime.ts); absent
       * when nothing ran (cancelled while queued). */
      cpuMs?: number;
    }
  | { type: 'count'; id: number; tokens: number }
  | { type: 'error'; id: number; error: SerializedError };

export type FromWorker = ModelEvent | RequestReply | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
