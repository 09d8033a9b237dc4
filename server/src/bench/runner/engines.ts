/**
 * The engines scenario (local): the bundled completion model's ONNX graph run four ways with the
 * same prompt token ids, output lengths and thread count, timed by one definition
 * (metrics/definitions.ts requestTiming, percentiles.ts):
 * - tandem: the real LocalBackend (worker thread, transformers.js underneath, cold prompt cache
 *   for the per-request cells; KV reuse across keystrokes measured by followUpTtft.ts);
 * - transformers.js: the library's stock generate on the bench's own thread;
 * - bare-ort: a bare onnxruntime-node greedy loop, the floor;
 * - llama.cpp: node-llama-cpp on GGUF files converted from the same fp32 weights, F32 and Q8_0,
 *   when `npm run bench:llamacpp` has installed it (enginesLlamaCppLoad.ts).
 * Runs are interleaved (run i of every engine, then run i + 1) so machine noise hits them alike.
 * Then q8 vs fp32 (speed, memory in a fresh process, next-line quality on held-out code) and
 * llama.cpp's greedy agreement with the fp32 ONNX graph (the bare loop in fp32: a q8 reference
 * would charge onnxruntime's quantization to llama.cpp; measured, q8 ONNX alone differs from
 * fp32 on 5 of 30 prompts, exactly the ones llama.cpp F32 "disagreed" on against q8).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TandemConfig } from '../../config';
import { onnxFileNames } from '../../backends/local/modelFiles';
import { LocalBackend } from '../../backends/local/localBackend';
import { resolveModelLocation } from '../../backends/local/modelLocation';
import { editSimilarity, exactMatch } from '../../metrics/textMetrics';
import { measureFollowUp } from '../followUpTtft';
import { completionCases, firstLine, readHeldoutFiles } from '../heldout';
import { timedRun } from '../modelSpeed';
import { compareTraces, type GreedyTrace } from './enginesAgreement';
import { BareOrtLoop } from './enginesBareLoop';
import { writeGguf } from './enginesGguf';
import { convertModelDirToGguf } from './enginesGgufConvert';
import { timingOf, type GreedyEngine, type GreedyRun } from './enginesGreedy';
import { LlamaCppEngine } from './enginesLlamaCpp';
import { importNodeLlamaCpp } from './enginesLlamaCppLoad';
import { measureSessionMemory } from './enginesMemory';
import { StockTransformers } from './enginesTransformers';
import type {
  EngineCell,
  EngineName,
  EngineRatio,
  EnginesPlan,
  EnginesResult,
  KeystrokeReuse,
  QuantizationResult,
  QuantizationRow,
} from './enginesTypes';
import { rssMb } from './memory';
import { describe } from './stats';

export const ENGINES_FULL: EnginesPlan = {
  promptTokens: [128, 512],
  outputTokens: 128,
  runs: 10,
  warmup: 2,
  threads: 1,
  casesPerFile: 3,
  agreementTokens: 32,
  followUps: 10,
};
export const ENGINES_QUICK: EnginesPlan = {
  promptTokens: [128],
  outputTokens: 16,
  runs: 2,
  warmup: 1,
  threads: 1,
  casesPerFile: 1,
  agreementTokens: 12,
  followUps: 2,
};
/** The issue asks for agreement on about 30 held-out prompts. */
const AGREEMENT_PROMPTS = 30;
const QUALITY_TOKENS = 48;

export interface EnginesOptions {
  plan: EnginesPlan;
  local: TandemConfig['local'];
  fixturesDir: string;
  /** Where the converted GGUF file is written (removed afterwards). */
  scratchDir?: string;
  signal: AbortSignal;
  onStep?: (what: string) => void;
}

interface Tokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** A text prompt and its token ids (the bundled tokenizer, no special tokens added). */
interface Prompt {
  text: string;
  ids: number[];
}

export async function runEngines(options: EnginesOptions): Promise<EnginesResult> {
  const { plan, local, signal } = options;
  const location = resolveModelLocation(local.completionModel, 'completion', { allowRemoteModels: false });
  if (location.kind !== 'directory') throw new Error('The engines scenario needs a local model directory (the bundled model or a path).');
  const modelDir = location.path;
  const tokenizer = await loadTokenizer(modelDir);
  const files = readHeldoutFiles(options.fixturesDir);
  const corpus = files.map((f) => f.text).join('\n');
  const prompts = plan.promptTokens.map((n) => cutPrompt(tokenizer, corpus, n));
  const result: EnginesResult = {
    dtype: local.dtype,
    threads: plan.threads,
    cells: [],
    ratios: [],
    loads: [],
    keystroke: null,
    quantization: null,
    gguf: null,
    transformersAgreement: null,
    llamaCppAgreement: null,
    llamaCppQ8Agreement: null,
    unavailable: [],
  };
  const scratch = options.scratchDir ?? mkdtempSync(join(tmpdir(), 'tandem-engines-'));
  const engines: Array<{ name: EngineName; dtype: 'q8' | 'fp32'; engine: GreedyEngine }> = [];
  const loaded = async <T>(name: EngineName, dtype: 'q8' | 'fp32', open: () => Promise<T>): Promise<T> => {
    options.onStep?.(`engines: loading ${name} (${dtype})`);
    const before = rssMb();
    const started = performance.now();
    const value = await open();
    result.loads.push({ engine: name, dtype, loadMs: performance.now() - started, rssDeltaMb: rssMb() - before });
    return value;
  };
  const samples = new Map<string, GreedyRun[]>();
  const keyOf = (name: EngineName, dtype: string, p: number) => `${name}:${dtype}:${p}`;
  const keep = (name: EngineName, dtype: string, p: number, run: GreedyRun) =>
    samples.set(keyOf(name, dtype, p), [...(samples.get(keyOf(name, dtype, p)) ?? []), run]);
  try {
    // Phase 1, Tandem's path alone, then its worker closed. onnxruntime-node 1.21 aborts the
    // process ("Cannot create a handle without a HandleScope") when sessions of two threads are
    // used in turn (measured: a main-thread session alive while the worker runs; a main-thread
    // run after a worker loaded once main-thread sessions had run), so the phases never overlap.
    const backend = new LocalBackend({ config: { ...local, threads: plan.threads } });
    try {
      await loaded('tandem', local.dtype, () => backend.load('completion', signal));
      for (const [p, prompt] of prompts.entries()) {
        for (let run = 0; run < plan.warmup + plan.runs; run++) {
          if (signal.aborted) throw signal.reason;
          options.onStep?.(`engines: tandem, ${plan.promptTokens[p]}-token prompt, run ${run + 1}/${plan.warmup + plan.runs}`);
          const sample = await tandemRequest(backend, prompt, plan.outputTokens, signal);
          if (run >= plan.warmup) keep('tandem', local.dtype, p, sample);
        }
      }
      options.onStep?.('engines: tandem, keystroke follow-ups (KV reuse)');
      result.keystroke = await keystrokeReuse(backend, corpus, plan, signal);
    } finally {
      await backend.dispose();
    }

    // Phase 2, the engines on this thread, interleaved (run i of each, then run i + 1).
    const bare = await loaded('bare-ort', local.dtype, () => BareOrtLoop.open(modelDir, local.dtype, plan.threads));
    engines.push({ name: 'bare-ort', dtype: local.dtype, engine: bare });
    engines.push({
      name: 'transformers.js',
      dtype: local.dtype,
      engine: await loaded('transformers.js', local.dtype, () => StockTransformers.open(modelDir, local.dtype, plan.threads)),
    });
    const llamas = await openLlamaCpp(modelDir, scratch, plan, bare, result, loaded);
    for (const [dtype, llama] of llamas) engines.push({ name: 'llama.cpp', dtype, engine: llama });
    for (const [p, prompt] of prompts.entries()) {
      for (let run = 0; run < plan.warmup + plan.runs; run++) {
        if (signal.aborted) throw signal.reason;
        options.onStep?.(`engines: ${plan.promptTokens[p]}-token prompt, run ${run + 1}/${plan.warmup + plan.runs}`);
        const runs: Array<[EngineName, string, GreedyRun]> = [];
        for (const { name, dtype, engine } of engines)
          runs.push([name, dtype, await engine.generate(prompt.ids, { maxNewTokens: plan.outputTokens, ignoreEos: true })]);
        if (run >= plan.warmup) for (const [name, dtype, sample] of runs) keep(name, dtype, p, sample);
      }
    }
    const measured = [{ name: 'tandem' as EngineName, dtype: local.dtype }, ...engines];
    for (const [p, prompt] of prompts.entries()) {
      for (const { name, dtype } of measured)
        result.cells.push(cellOf(name, dtype, prompt.ids.length, plan.outputTokens, samples.get(keyOf(name, dtype, p)) ?? []));
    }
    result.ratios = ratiosOf(result.cells);
    if (result.keystroke) result.keystroke.versusBareCold = versusBareCold(result.keystroke, result.cells);

    // Agreement: transformers.js vs the bare loop (same graph and dtype), llama.cpp vs the fp32 graph.
    const cases = completionCases(files, {
      casesPerFile: plan.casesPerFile,
      seed: 14,
      prefixChars: 1200,
      fimPrefixChars: 1200,
      suffixChars: 400,
    });
    const agreementPrompts = cases.slice(0, AGREEMENT_PROMPTS).map((c) => tokenizer.encode(c.nextLinePrefix));
    options.onStep?.(`engines: greedy agreement on ${agreementPrompts.length} held-out prompts`);
    const reference: GreedyTrace[] = [];
    const stock: GreedyTrace[] = [];
    const transformers = engines.find((e) => e.name === 'transformers.js')?.engine as GreedyEngine;
    const generation = { maxNewTokens: plan.agreementTokens, ignoreEos: false };
    for (const ids of agreementPrompts) {
      reference.push(traceOf(await bare.generate(ids, generation), bare.lastMargins, plan.agreementTokens));
      stock.push(traceOf(await transformers.generate(ids, generation), bare.lastMargins, plan.agreementTokens));
    }
    result.transformersAgreement = compareTraces(reference.map((ref, i) => ({ reference: ref, candidate: stock[i] as GreedyTrace })));
    if (llamas.size > 0) {
      const fp32 = local.dtype === 'fp32' ? null : await BareOrtLoop.open(modelDir, 'fp32', plan.threads);
      try {
        const exact = fp32 ?? bare;
        const fp32Traces: GreedyTrace[] = [];
        for (const ids of agreementPrompts)
          fp32Traces.push(traceOf(await exact.generate(ids, generation), exact.lastMargins, plan.agreementTokens));
        for (const [dtype, llama] of llamas) {
          const traces: GreedyTrace[] = [];
          for (const ids of agreementPrompts)
            traces.push(traceOf(await llama.generate(ids, generation, true), llama.lastMargins, plan.agreementTokens));
          const agreement = compareTraces(fp32Traces.map((ref, i) => ({ reference: ref, candidate: traces[i] as GreedyTrace })));
          if (dtype === 'fp32') result.llamaCppAgreement = agreement;
          else result.llamaCppQ8Agreement = agreement;
        }
      } finally {
        await fp32?.dispose();
      }
    }
    for (const { engine } of engines.splice(0)) await engine.dispose();

    result.quantization = await quantization(modelDir, cases, tokenizer, prompts[0] as Prompt, plan, options);
  } finally {
    for (const { engine } of engines.splice(0)) await engine.dispose();
    if (!options.scratchDir) rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}

async function loadTokenizer(modelDir: string): Promise<Tokenizer> {
  const lib = await import('@huggingface/transformers');
  lib.env.allowLocalModels = true;
  lib.env.allowRemoteModels = false;
  const tokenizer = await lib.AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  return {
    encode: (text) => Array.from(tokenizer.encode(text, { add_special_tokens: false }), Number),
    decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: true }),
  };
}

/** The longest prefix of the corpus of at most `tokens` tokens. */
function cutPrompt(tokenizer: Tokenizer, corpus: string, tokens: number): Prompt {
  let low = 0;
  let high = Math.min(corpus.length, tokens * 12);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (tokenizer.encode(corpus.slice(0, mid)).length <= tokens) low = mid;
    else high = mid - 1;
  }
  const text = corpus.slice(0, low);
  return { text, ids: tokenizer.encode(text) };
}

async function openLlamaCpp(
  modelDir: string,
  scratch: string,
  plan: EnginesPlan,
  bare: BareOrtLoop,
  result: EnginesResult,
  loaded: <T>(name: EngineName, dtype: 'q8' | 'fp32', open: () => Promise<T>) => Promise<T>,
): Promise<Map<'fp32' | 'q8', LlamaCppEngine>> {
  const engines = new Map<'fp32' | 'q8', LlamaCppEngine>();
  const lib = await importNodeLlamaCpp();
  if (typeof lib === 'string') {
    result.unavailable.push({ engine: 'llama.cpp', reason: lib });
    return engines;
  }
  try {
    const started = performance.now();
    const path = join(scratch, 'model-f32.gguf');
    const bytes = writeGguf(path, convertModelDirToGguf(modelDir));
    result.gguf = { bytes, convertMs: performance.now() - started, architecture: 'mpt', q8_0Bytes: null };
    const q8Path = join(scratch, 'model-q8_0.gguf');
    result.gguf.q8_0Bytes = writeGguf(q8Path, convertModelDirToGguf(modelDir, { weights: 'Q8_0' }));
    const contextSize = Math.max(1024, Math.max(...plan.promptTokens) + Math.max(plan.outputTokens, plan.agreementTokens) + 16);
    const options = { threads: plan.threads, contextSize, banned: bare.shape.banned, eosId: bare.shape.eosId };
    engines.set('fp32', await loaded('llama.cpp', 'fp32', () => LlamaCppEngine.open(lib, path, options)));
    engines.set('q8', await loaded('llama.cpp', 'q8', () => LlamaCppEngine.open(lib, q8Path, options)));
  } catch (error) {
    result.unavailable.push({ engine: 'llama.cpp', reason: error instanceof Error ? error.message : String(error) });
  }
  return engines;
}

/** One request through the real LocalBackend: cold prompt cache, every token generated. */
async function tandemRequest(backend: LocalBackend, prompt: Prompt, outputTokens: number, signal: AbortSignal): Promise<GreedyRun> {
  const run = await timedRun(backend, prompt.text, outputTokens, { ignoreEos: true, promptCache: false, contextCache: false }, signal);
  // The backend streams chunks, not token ids: only the count and the timing are compared.
  const decodeMs = run.e2eMs - run.ttftMs;
  const gaps = run.completionTokens > 1 ? new Array<number>(run.completionTokens - 1).fill(decodeMs / (run.completionTokens - 1)) : [];
  return { tokens: new Array<number>(run.completionTokens).fill(-1), ttftMs: run.ttftMs, e2eMs: run.e2eMs, gapsMs: gaps };
}

function cellOf(engine: EngineName, dtype: 'q8' | 'fp32', promptTokens: number, outputTokens: number, runs: GreedyRun[]): EngineCell {
  const timings = runs.map((r) => timingOf(r, promptTokens));
  return {
    engine,
    dtype,
    promptTokens,
    outputTokens,
    runs: runs.length,
    ttftMs: describe(runs.map((r) => r.ttftMs)),
    tpotMs: describe(timings.map((t) => t.tpotMs ?? Number.NaN)),
    e2eMs: describe(runs.map((r) => r.e2eMs)),
    decodeTokensPerSecond: describe(timings.map((t) => t.decodeTokensPerSecond ?? Number.NaN)),
  };
}

export function ratiosOf(cells: readonly EngineCell[]): EngineRatio[] {
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);
  return cells
    .filter((c) => c.engine !== 'bare-ort')
    .flatMap((cell) => {
      const floor = cells.find((c) => c.engine === 'bare-ort' && c.promptTokens === cell.promptTokens);
      if (!floor) return [];
      return [
        {
          engine: cell.engine,
          dtype: cell.dtype,
          promptTokens: cell.promptTokens,
          ttft: ratio(cell.ttftMs.p50, floor.ttftMs.p50),
          tpot: ratio(cell.tpotMs.p50, floor.tpotMs.p50),
          e2e: ratio(cell.e2eMs.p50, floor.e2eMs.p50),
        },
      ];
    });
}

async function keystrokeReuse(backend: LocalBackend, corpus: string, plan: EnginesPlan, signal: AbortSignal): Promise<KeystrokeReuse> {
  const tokens = plan.promptTokens[plan.promptTokens.length - 1] as number;
  const m = await measureFollowUp(backend, corpus, tokens, plan.followUps, signal);
  return {
    promptTokens: m.promptTokens,
    coldTtftP50Ms: m.coldMs.p50,
    followUpTtftP50Ms: m.followUpMs.p50,
    ratio: m.ratio,
    versusBareCold: null,
  };
}

/** Follow-up TTFT ÷ the bare loop's cold TTFT at (about) the same prompt length. */
function versusBareCold(keystroke: KeystrokeReuse, cells: readonly EngineCell[]): number | null {
  const bareCold = cells.find((c) => c.engine === 'bare-ort' && Math.abs(c.promptTokens - keystroke.promptTokens) <= 2);
  return bareCold && bareCold.ttftMs.p50 > 0 ? keystroke.followUpTtftP50Ms / bareCold.ttftMs.p50 : null;
}

function traceOf(run: GreedyRun, margins: readonly number[], limit: number): GreedyTrace {
  return { tokens: run.tokens, margins: [...margins], stoppedAtEos: run.tokens.length < limit };
}

/** q8 vs fp32 on the bare loop (the same code for both): speed, memory, next-line quality. */
async function quantization(
  modelDir: string,
  cases: ReturnType<typeof completionCases>,
  tokenizer: Tokenizer,
  prompt: Prompt,
  plan: EnginesPlan,
  options: EnginesOptions,
): Promise<QuantizationResult> {
  const rows: QuantizationRow[] = [];
  const lines: string[][] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    options.onStep?.(`engines: quantization ${dtype}`);
    const file = join(modelDir, onnxFileNames(false, dtype)[0] as string);
    const loop = await BareOrtLoop.open(modelDir, dtype, plan.threads);
    try {
      const memory = await measureSessionMemory(file, plan.threads, loop.shape);
      const runs: GreedyRun[] = [];
      for (let run = 0; run < plan.warmup + plan.runs; run++) {
        const r = await loop.generate(prompt.ids, { maxNewTokens: plan.outputTokens, ignoreEos: true });
        if (run >= plan.warmup) runs.push(r);
      }
      const cell = cellOf('bare-ort', dtype, prompt.ids.length, plan.outputTokens, runs);
      const predicted: string[] = [];
      for (const c of cases) {
        if (options.signal.aborted) throw options.signal.reason;
        const out = await loop.generate(tokenizer.encode(c.nextLinePrefix), { maxNewTokens: QUALITY_TOKENS, ignoreEos: false });
        predicted.push(firstLine(tokenizer.decode(out.tokens)));
      }
      lines.push(predicted);
      rows.push({
        dtype,
        fileMb: statSync(file).size / 2 ** 20,
        loadMs: memory.loadMs,
        rssDeltaMb: memory.rssDeltaMb,
        ttftP50Ms: cell.ttftMs.p50,
        tpotP50Ms: cell.tpotMs.p50,
        e2eP50Ms: cell.e2eMs.p50,
        cases: cases.length,
        exactMatch: meanOf(cases.map((c, i) => (exactMatch(predicted[i] as string, c.reference) ? 1 : 0))),
        editSimilarity: meanOf(cases.map((c, i) => editSimilarity(predicted[i] as string, c.reference))),
      });
    } finally {
      await loop.dispose();
    }
  }
  const [fp32, q8] = rows;
  return {
    rows,
    delta:
      fp32 && q8
        ? {
            exactMatch: q8.exactMatch - fp32.exactMatch,
            editSimilarity: q8.editSimilarity - fp32.editSimilarity,
            tpotP50Ms: q8.tpotP50Ms - fp32.tpotP50Ms,
            rssDeltaMb: q8.rssDeltaMb - fp32.rssDeltaMb,
          }
        : null,
    differingLines: (lines[0] ?? []).filter((line, i) => line !== lines[1]?.[i]).length,
  };
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
