/**
 * The backends a benchmark run measures, opened the way the language server opens them:
 * - local: LocalBackend (worker thread, transformers.js, onnxruntime-node) on the configured
 *   model (the bundled one by default), decoding with `ignoreEos` and a cold prompt cache so
 *   every request generates the asked number of tokens from a full prefill;
 * - offload: OffloadBackend on TANDEM_OFFLOAD_URL (model TANDEM_OFFLOAD_MODEL, key
 *   TANDEM_OFFLOAD_API_KEY), exactly as the product sends (an OpenAI-style server may stop early
 *   at end-of-sequence: the report records the tokens actually generated).
 * Prompt lengths are counted with the local model's tokenizer; the offload server's tokenizer is
 * not reachable over the OpenAI API, so its prompts are cut by an estimate of characters per
 * token and the report keeps the count the server returned in `usage`.
 */
import type { Backend, GenerateChunk, GenerateRequest } from '../../backends/backend';
import { LocalBackend, type GenerateTuning } from '../../backends/local/localBackend';
import { OffloadBackend } from '../../backends/offload/offloadBackend';
import type { TandemConfig } from '../../config';
import type { BackendId } from '../../protocol';

/** Held-out code averages 3.1 characters per token with the bundled tokenizer (localBackend.ts). */
const ESTIMATED_CHARS_PER_TOKEN = 3.1;

export interface ModelInfo {
  name: string;
  /** Longest prompt + output the backend accepts, when known. */
  contextTokens?: number;
  /** Window the model was trained on, when known (quality drops beyond it, speed does not). */
  trainedContextTokens?: number;
  loadMs?: number;
  /** How prompt lengths were counted. */
  tokenizer: 'model' | 'estimate';
  serverKind?: string;
  dtype?: string;
  url?: string;
}

export interface BenchTarget {
  id: BackendId;
  /** What measureAttempt streams from (local: with the benchmark's decoding tuning). */
  backend: Backend;
  model: ModelInfo;
  countTokens(text: string, signal: AbortSignal): Promise<number>;
  dispose(): Promise<void>;
}

export interface TargetConfig {
  local: TandemConfig['local'];
  offload: TandemConfig['offload'];
  apiKey?: string;
}

export async function openTarget(id: BackendId, config: TargetConfig, signal: AbortSignal): Promise<BenchTarget> {
  return id === 'local' ? openLocal(config.local, signal) : openOffload(config, signal);
}

export async function openLocal(local: TandemConfig['local'], signal: AbortSignal): Promise<BenchTarget> {
  const backend = new LocalBackend({ config: local });
  try {
    const info = await backend.load('completion', signal);
    return {
      id: 'local',
      backend: tuned(backend, { ignoreEos: true, promptCache: false, contextCache: false }),
      model: {
        name: info.name,
        ...(info.contextTokens !== undefined ? { contextTokens: info.contextTokens } : {}),
        ...(info.trainedContextTokens !== undefined ? { trainedContextTokens: info.trainedContextTokens } : {}),
        loadMs: info.loadMs,
        tokenizer: 'model',
        dtype: local.dtype,
      },
      countTokens: (text, countSignal) => backend.countTokens('completion', text, countSignal),
      dispose: () => backend.dispose(),
    };
  } catch (error) {
    await backend.dispose();
    throw error;
  }
}

async function openOffload(config: TargetConfig, signal: AbortSignal): Promise<BenchTarget> {
  if (!config.offload.url) throw new Error('The offload backend needs a URL: set TANDEM_OFFLOAD_URL (e.g. http://127.0.0.1:8000/v1).');
  const backend = new OffloadBackend({ config: config.offload, ...(config.apiKey ? { apiKey: config.apiKey } : {}) });
  const started = performance.now();
  const probe = await backend.probe();
  if (signal.aborted || probe.state !== 'ready') {
    await backend.dispose();
    throw new Error(`The offload server at ${config.offload.url} is not ready: ${probe.detail}`);
  }
  return {
    id: 'offload',
    backend,
    model: {
      name: backend.model,
      ...(backend.contextTokens !== undefined ? { contextTokens: backend.contextTokens } : {}),
      loadMs: performance.now() - started,
      tokenizer: 'estimate',
      serverKind: backend.serverKind,
      url: config.offload.url,
    },
    countTokens: (text) => Promise.resolve(Math.ceil(text.length / ESTIMATED_CHARS_PER_TOKEN)),
    dispose: () => backend.dispose(),
  };
}

/** The local backend seen through the Backend interface, every generation with `tuning`. */
function tuned(local: LocalBackend, tuning: GenerateTuning): Backend {
  return {
    id: local.id,
    get model() {
      return local.model;
    },
    fimTemplate: local.fimTemplate,
    supportsNativeSuffix: local.supportsNativeSuffix,
    isAvailable: (task) => local.isAvailable(task),
    status: () => local.status(),
    generate: (request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateChunk> => local.generate(request, signal, tuning),
    dispose: () => local.dispose(),
  };
}
