/**
 * report.json's `engines` section (local only): the same prompts and output lengths through
 * every engine on the same ONNX weights, the quantization comparison and llama.cpp's agreement.
 */
import type { AgreementResult } from './enginesAgreement';
import type { Distribution } from './stats';

export type EngineName = 'tandem' | 'transformers.js' | 'bare-ort' | 'llama.cpp';

export interface EnginesPlan {
  promptTokens: number[];
  outputTokens: number;
  runs: number;
  warmup: number;
  /** Intra-op threads of every engine (1: the single-thread comparison). */
  threads: number;
  /** Held-out next-line cases per file: agreement prompts and the q8/fp32 quality sample. */
  casesPerFile: number;
  /** Tokens generated per agreement prompt (greedy, stops at EOS). */
  agreementTokens: number;
  /** Keystroke follow-ups measured on Tandem's path (KV reuse). */
  followUps: number;
}

export interface EngineCell {
  engine: EngineName;
  dtype: 'q8' | 'fp32';
  promptTokens: number;
  outputTokens: number;
  runs: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  e2eMs: Distribution;
  decodeTokensPerSecond: Distribution;
}

export interface EngineRatio {
  engine: EngineName;
  /** The engine's weights (the floor's are the scenario's dtype). */
  dtype: 'q8' | 'fp32';
  promptTokens: number;
  /** p50 of the engine ÷ p50 of the bare onnxruntime loop (1 = the floor). */
  ttft: number | null;
  tpot: number | null;
  e2e: number | null;
}

export interface EngineLoad {
  engine: EngineName;
  dtype: 'q8' | 'fp32';
  loadMs: number;
  /** RSS after load − before, in this process (see metricCatalog engines.rssDeltaMb). */
  rssDeltaMb: number;
}

export interface KeystrokeReuse {
  promptTokens: number;
  coldTtftP50Ms: number;
  followUpTtftP50Ms: number;
  /** follow-up ÷ cold. */
  ratio: number;
  /** follow-up TTFT p50 ÷ the bare loop's cold TTFT p50 at the same length. */
  versusBareCold: number | null;
}

export interface QuantizationRow {
  dtype: 'q8' | 'fp32';
  fileMb: number;
  loadMs: number;
  /** Fresh child process: RSS after session load and one step − RSS before. */
  rssDeltaMb: number;
  ttftP50Ms: number;
  tpotP50Ms: number;
  e2eP50Ms: number;
  cases: number;
  exactMatch: number;
  editSimilarity: number;
}

export interface QuantizationResult {
  rows: QuantizationRow[];
  /** q8 − fp32. */
  delta: { exactMatch: number; editSimilarity: number; tpotP50Ms: number; rssDeltaMb: number } | null;
  /** Cases whose q8 line differs from the fp32 line. */
  differingLines: number;
}

export interface GgufInfo {
  /** The F32 file's size. */
  bytes: number;
  convertMs: number;
  architecture: string;
  /** The Q8_0 file's size (llama.cpp's q8 cells). */
  q8_0Bytes: number | null;
}

export interface EnginesResult {
  dtype: 'q8' | 'fp32';
  threads: number;
  cells: EngineCell[];
  ratios: EngineRatio[];
  loads: EngineLoad[];
  keystroke: KeystrokeReuse | null;
  quantization: QuantizationResult | null;
  gguf: GgufInfo | null;
  /** transformers.js stock generate vs the bare loop (same graph: should be n/n). */
  transformersAgreement: AgreementResult | null;
  /** llama.cpp on the F32 GGUF vs the fp32 ONNX graph (bare loop); margins from the ONNX logits. */
  llamaCppAgreement: AgreementResult | null;
  /** llama.cpp on the Q8_0 GGUF vs the fp32 ONNX graph: what Q8_0 quantization changes. */
  llamaCppQ8Agreement: AgreementResult | null;
  /** Engines that could not run, and why. */
  unavailable: Array<{ engine: EngineName; reason: string }>;
}
