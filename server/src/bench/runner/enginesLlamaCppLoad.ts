/**
 * Finds and loads node-llama-cpp for the engines scenario. It is not a dependency of the project
 * (its optional platform builds weigh 677 MB): `npm run bench:llamacpp` (scripts/install-llamacpp.mjs)
 * installs it with this machine's CPU build into .bench-cache/llamacpp, and this module imports
 * it from there by path (it is ESM-only, so by file URL). `TANDEM_LLAMACPP_DIR` names another
 * such folder. The types below are the part of its API the bench uses, written out here so the
 * project type-checks without the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../packageRoot';

/** Keep in step with VERSION in scripts/install-llamacpp.mjs. */
export const LLAMACPP_VERSION = '3.21.1';
export const NOT_INSTALLED = 'llama.cpp engine not installed: run npm run bench:llamacpp';

export interface LlamaTokenBias {
  set(tokens: number[], bias: 'never' | number): void;
}

export interface LlamaSequence {
  evaluate(tokens: number[], options: object): AsyncGenerator<number, void, number | undefined>;
  evaluateWithMetadata(
    tokens: number[],
    metadata: { probabilities: true },
    options: object,
  ): AsyncGenerator<{ token: number; probabilities: Map<number, number> }, void, number | undefined>;
  dispose(): Promise<void> | void;
}

export interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly tokenizer: unknown;
  createContext(options: {
    contextSize: number;
    sequences: number;
    batchSize: number;
    threads?: number;
    flashAttention?: boolean | 'auto';
    experimentalKvCacheKeyType?: 'F32' | 'F16';
    experimentalKvCacheValueType?: 'F32' | 'F16';
  }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface Llama {
  loadModel(options: { modelPath: string; gpuLayers: number }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface NodeLlamaCpp {
  getLlama(options: { gpu: false; build: 'never'; progressLogs: boolean; logLevel: unknown }): Promise<Llama>;
  LlamaLogLevel: { error: unknown };
  TokenBias: new (tokenizer: unknown) => LlamaTokenBias;
}

/** The folder `npm run bench:llamacpp` installs into. */
export function llamaCppPrefix(): string {
  return process.env.TANDEM_LLAMACPP_DIR || join(packageRoot(), '.bench-cache', 'llamacpp');
}

/** Loads node-llama-cpp from the bench cache, or says why it cannot (never throws). */
export async function importNodeLlamaCpp(prefix = llamaCppPrefix()): Promise<NodeLlamaCpp | string> {
  const dir = join(prefix, 'node_modules', 'node-llama-cpp');
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return `${NOT_INSTALLED} (nothing in ${prefix})`;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string; exports?: { '.'?: { import?: string } } };
    if (manifest.version !== LLAMACPP_VERSION)
      return `${NOT_INSTALLED} (found node-llama-cpp ${manifest.version}, the bench is written for ${LLAMACPP_VERSION})`;
    const entry = join(dir, manifest.exports?.['.']?.import ?? 'dist/index.js');
    return (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
  } catch (error) {
    return `node-llama-cpp in ${prefix} failed to load: ${error instanceof Error ? error.message : String(error)}`;
  }
}
