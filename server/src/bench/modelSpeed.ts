/**
 * Speed of the local completion model on this machine, measured through LocalBackend (worker
 * thread, transformers.js, onnxruntime-node) exactly as the language server uses it.
 *
 * - cold load: a fresh backend (new worker, transformers.js import, ONNX session creation);
 * - TTFT: send → first streamed chunk, for prompts of a fixed token length (the first request
 *   after loading is reported on its own, the rest as a distribution);
 * - decode speed: tokens/s between the first and the last token, with the KV cache and without
 *   it (the same generate loop re-running the whole sequence each step), to show the cache is
 *   what makes decoding fast.
 */
import type { LatencySummary } from '../protocol';
import type { TandemConfig } from '../config';
import { summarize } from '../metrics/percentiles';
import { LocalBackend, type GenerateTuning } from '../backends/local/localBackend';

export interface TtftMeasurement {
  /** Prompt length actually sent, in tokens. */
  promptTokens: number;
  /** First request of this length right after loading. */
  firstMs: number;
  /** Later requests (client side: send → first chunk). */
  ms: LatencySummary;
  /** Worker side: request start → first token (tokenize + prefill + one step). */
  workerMs: LatencySummary;
}

export interface DecodeMeasurement {
  useCache: boolean;
  promptTokens: number;
  newTokens: number;
  /** Worker side: (steps − 1) / (last token − first token). */
  tokensPerSecond: number;
  /** Client side: (tokens − 1) / (E2E − TTFT), including thread hops. */
  clientTokensPerSecond: number;
}

export interface SpeedReport {
  coldLoadMs: { completion: number; explain: number };
  ttft: TtftMeasurement[];
  decode: DecodeMeasurement[];
  /** withCache tokens/s ÷ withoutCache tokens/s. */
  kvCacheSpeedup: number;
}

export interface SpeedOptions {
  config: TandemConfig['local'];
  /** Source text to cut prompts from. */
  corpus: string;
  promptLengths: number[];
  repeats: number;
  decodeTokens: number;
  signal: AbortSignal;
}

export async function measureSpeed(options: SpeedOptions): Promise<SpeedReport> {
  const { signal } = options;
  const coldLoadMs = { completion: 0, explain: 0 };
  const backend = new LocalBackend({ config: options.config });
  try {
    let started = performance.now();
    const info = await backend.load('completion', signal);
    coldLoadMs.completion = performance.now() - started;
    started = performance.now();
    await backend.load('explain', signal);
    coldLoadMs.explain = performance.now() - started;

    const maxPrompt = info.contextTokens ? info.contextTokens - 1 : Infinity;
    const ttft: TtftMeasurement[] = [];
    for (const wanted of options.promptLengths) {
      const prompt = await promptOfTokens(backend, options.corpus, Math.min(wanted, maxPrompt), signal);
      ttft.push(await measureTtft(backend, prompt, options.repeats, signal));
    }

    const decodePrompt = await promptOfTokens(backend, options.corpus, 128, signal);
    const decode: DecodeMeasurement[] = [];
    for (const useCache of [true, false]) {
      decode.push(await measureDecode(backend, decodePrompt, options.decodeTokens, { useCache, ignoreEos: true }, signal));
    }
    const [cached, uncached] = decode;
    const kvCacheSpeedup = cached && uncached && uncached.tokensPerSecond > 0 ? cached.tokensPerSecond / uncached.tokensPerSecond : 0;
    return { coldLoadMs, ttft, decode, kvCacheSpeedup };
  } finally {
    await backend.dispose();
  }
}

export interface TimedRun {
  ttftMs: number;
  e2eMs: number;
  promptTokens: number;
  /** Prompt tokens the worker prefilled (the rest came from the reused KV cache). */
  evaluatedTokens: number;
  completionTokens: number;
  workerFirstTokenMs: number;
  workerTokensPerSecond: number;
}

export async function timedRun(
  backend: LocalBackend,
  prompt: string,
  maxTokens: number,
  tuning: GenerateTuning,
  signal: AbortSignal,
): Promise<TimedRun> {
  const sent = performance.now();
  let first: number | undefined;
  for await (const chunk of backend.generate({ task: 'completion', prompt, maxTokens, temperature: 0, stop: [] }, signal, tuning)) {
    first ??= performance.now();
    if (chunk.type === 'done') {
      return {
        ttftMs: first - sent,
        e2eMs: performance.now() - sent,
        promptTokens: chunk.usage.promptTokens,
        evaluatedTokens: chunk.serverTimings?.promptTokens ?? chunk.usage.promptTokens,
        completionTokens: chunk.usage.completionTokens,
        workerFirstTokenMs: chunk.serverTimings?.promptMs ?? Number.NaN,
        workerTokensPerSecond: chunk.serverTimings?.decodeTokensPerSecond ?? Number.NaN,
      };
    }
  }
  throw new Error('The local backend ended a stream without a done chunk.');
}

async function measureTtft(backend: LocalBackend, prompt: string, repeats: number, signal: AbortSignal): Promise<TtftMeasurement> {
  // Cold prefills: the same prompt again would otherwise reuse the previous run's KV cache.
  const cold = { promptCache: false };
  const firstRun = await timedRun(backend, prompt, 1, cold, signal);
  const runs: TimedRun[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await timedRun(backend, prompt, 1, cold, signal));
  return {
    promptTokens: firstRun.promptTokens,
    firstMs: firstRun.ttftMs,
    ms: summarize(runs.map((r) => r.ttftMs)),
    workerMs: summarize(runs.map((r) => r.workerFirstTokenMs)),
  };
}

async function measureDecode(
  backend: LocalBackend,
  prompt: string,
  newTokens: number,
  tuning: GenerateTuning,
  signal: AbortSignal,
): Promise<DecodeMeasurement> {
  const run = await timedRun(backend, prompt, newTokens, tuning, signal);
  const decodeMs = run.e2eMs - run.ttftMs;
  return {
    useCache: tuning.useCache ?? true,
    promptTokens: run.promptTokens,
    newTokens: run.completionTokens,
    tokensPerSecond: run.workerTokensPerSecond,
    clientTokensPerSecond: decodeMs > 0 ? ((run.completionTokens - 1) * 1000) / decodeMs : Number.NaN,
  };
}

/** The longest prefix of `corpus` that is at most `tokens` tokens long (binary search). */
export async function promptOfTokens(backend: LocalBackend, corpus: string, tokens: number, signal: AbortSignal): Promise<string> {
  let low = 0;
  let high = Math.min(corpus.length, tokens * 12);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((await backend.countTokens('completion', corpus.slice(0, mid), signal)) <= tokens) low = mid;
    else high = mid - 1;
  }
  return corpus.slice(0, low);
}
