/**
 * One benchmark request: streamed and timed by routing/attempt.ts `measureAttempt` (the same
 * code that times the product's generations), with TPOT, ITL and tokens/s from
 * metrics/definitions.ts `requestTiming`. Failures are samples too (ok = false), so error rates
 * and goodput count them.
 */
import { measureAttempt } from '../../routing/attempt';
import { requestTiming } from '../../metrics/definitions';
import type { PromptCutter } from './prompts';
import type { BenchTarget } from './targets';

export interface RequestSample {
  /** When the request was due, ms since the scenario's clock started (open loop: its arrival). */
  startMs: number;
  ok: boolean;
  error?: string;
  ttftMs: number;
  e2eMs: number;
  tpotMs?: number;
  decodeTokensPerSecond?: number;
  promptTokensPerSecond?: number;
  /** Every gap between streamed chunks, ms (ITL, pooled over requests in reports). */
  gapsMs: number[];
  promptTokens: number;
  outputTokens: number;
  outputChars: number;
  /** Local: CPU time of the generation (the local cost basis), when the backend measured it. */
  cpuMs?: number;
  /** What the serving engine reported about itself (llama.cpp timings), when it did. */
  serverPromptMs?: number;
  serverDecodeMs?: number;
}

export interface SampleRequest {
  prompt: string;
  maxTokens: number;
}

/**
 * Sends one completion request. `started` is the clock reading TTFT and E2E count from: the
 * arrival time in an open-loop run (so time waiting behind earlier requests is counted, as a
 * user would feel it), the send time otherwise. `origin` is the scenario's clock start.
 */
export async function sampleRequest(
  target: BenchTarget,
  request: SampleRequest,
  signal: AbortSignal,
  clock: { origin: number; started?: number },
): Promise<RequestSample> {
  const started = clock.started ?? performance.now();
  const startMs = started - clock.origin;
  try {
    const attempt = await measureAttempt({
      backend: target.backend,
      request: { task: 'completion', prompt: request.prompt, maxTokens: request.maxTokens, temperature: 0, stop: [] },
      signal,
      started,
      now: () => performance.now(),
      onText: () => undefined,
    });
    const promptTokens = attempt.usage.promptTokens;
    const outputTokens = attempt.usage.completionTokens;
    const timing = requestTiming({ ttftMs: attempt.ttftMs, e2eMs: attempt.e2eMs, promptTokens, outputTokens, gapsMs: attempt.chunkGapsMs });
    return {
      startMs,
      ok: true,
      ttftMs: attempt.ttftMs,
      e2eMs: attempt.e2eMs,
      ...(timing.tpotMs !== undefined ? { tpotMs: timing.tpotMs } : {}),
      ...(timing.decodeTokensPerSecond !== undefined ? { decodeTokensPerSecond: timing.decodeTokensPerSecond } : {}),
      ...(timing.promptTokensPerSecond !== undefined ? { promptTokensPerSecond: timing.promptTokensPerSecond } : {}),
      gapsMs: attempt.chunkGapsMs,
      promptTokens,
      outputTokens,
      outputChars: attempt.text.length,
      ...(attempt.usage.cpuMs !== undefined ? { cpuMs: attempt.usage.cpuMs } : {}),
      ...(attempt.serverTimings?.promptMs !== undefined ? { serverPromptMs: attempt.serverTimings.promptMs } : {}),
      ...(attempt.serverTimings?.decodeMs !== undefined ? { serverDecodeMs: attempt.serverTimings.decodeMs } : {}),
    };
  } catch (error) {
    if (signal.aborted) throw error;
    const now = performance.now();
    return {
      startMs,
      ok: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ttftMs: Number.NaN,
      e2eMs: now - started,
      gapsMs: [],
      promptTokens: 0,
      outputTokens: 0,
      outputChars: 0,
    };
  }
}

/** Sends request `i` of a scenario (sampleRequest's `clock`). */
export type Send = (i: number, clock: { origin: number; started?: number }) => Promise<RequestSample>;

/** Prompt variants a loaded scenario rotates through, so a prefix cache cannot serve every request. */
const VARIANTS = 4;

/**
 * The load scenarios' requests: VARIANTS prompts of `promptTokens` tokens (cut first, in variant
 * order), request `i` sent with variant `i mod VARIANTS`, and each sample reported to `onRequest`
 * as it completes.
 */
export async function rotatingSender(
  target: BenchTarget,
  prompts: PromptCutter,
  shape: { promptTokens: number; outputTokens: number },
  signal: AbortSignal,
  onRequest: (sample: RequestSample) => void,
): Promise<Send> {
  const promptList: string[] = [];
  for (let v = 0; v < VARIANTS; v++) promptList.push(await prompts.prompt(shape.promptTokens, v, signal));
  return (i, clock) =>
    sampleRequest(target, { prompt: promptList[i % VARIANTS] as string, maxTokens: shape.outputTokens }, signal, clock).then((sample) => {
      onRequest(sample);
      return sample;
    });
}
