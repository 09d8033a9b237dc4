/**
 * Latency scenario (seed plan L1–L4): prompt lengths × output lengths, one request at a time,
 * warm-up requests first and excluded, every cell summarized with the same percentiles.
 * Cells whose prompt + output exceed the backend's context are skipped and listed with why.
 */
import type { LatencyCell, LatencyResult, RawSamples, SkippedCell } from './reportTypes';
import { sampleRequest, type RequestSample } from './sampler';
import { describe } from './stats';
import type { PromptCutter } from './prompts';
import type { BenchTarget } from './targets';

export interface LatencyPlan {
  promptTokens: number[];
  outputTokens: number[];
  runs: number;
  warmup: number;
}

export async function runLatency(
  target: BenchTarget,
  prompts: PromptCutter,
  plan: LatencyPlan,
  signal: AbortSignal,
  onRequest: (sample: RequestSample) => void,
): Promise<LatencyResult> {
  const cells: LatencyCell[] = [];
  const skipped: SkippedCell[] = [];
  const context = target.model.contextTokens;
  for (const promptTokens of plan.promptTokens) {
    for (const outputTokens of plan.outputTokens) {
      if (context !== undefined && promptTokens + outputTokens > context) {
        skipped.push({ promptTokens, outputTokens, reason: `prompt + output exceed the model's ${context}-token context` });
        continue;
      }
      const samples: RequestSample[] = [];
      for (let i = 0; i < plan.warmup + plan.runs; i++) {
        const prompt = await prompts.prompt(promptTokens, i, signal);
        const sample = await sampleRequest(target, { prompt, maxTokens: outputTokens }, signal, { origin: performance.now() });
        onRequest(sample);
        if (i >= plan.warmup) samples.push(sample);
      }
      cells.push(latencyCell(promptTokens, outputTokens, plan.warmup, samples));
    }
  }
  return { cells, skipped };
}

export function latencyCell(promptTokens: number, outputTokens: number, warmup: number, samples: readonly RequestSample[]): LatencyCell {
  const ok = samples.filter((s) => s.ok);
  return {
    id: `L${promptTokens}x${outputTokens}`,
    promptTokens,
    outputTokens,
    measuredPromptTokens: meanOrNull(ok.map((s) => s.promptTokens)),
    measuredOutputTokens: meanOrNull(ok.map((s) => s.outputTokens)),
    runs: samples.length,
    warmup,
    errors: samples.length - ok.length,
    ttftMs: describe(ok.map((s) => s.ttftMs)),
    tpotMs: describe(ok.map((s) => s.tpotMs ?? Number.NaN)),
    itlMs: describe(ok.flatMap((s) => s.gapsMs)),
    e2eMs: describe(ok.map((s) => s.e2eMs)),
    decodeTokensPerSecond: describe(ok.map((s) => s.decodeTokensPerSecond ?? Number.NaN)),
    promptTokensPerSecond: describe(ok.map((s) => s.promptTokensPerSecond ?? Number.NaN)),
    samples: rawSamples(ok),
  };
}

export function rawSamples(samples: readonly RequestSample[]): RawSamples {
  const round = (values: number[]) => values.filter(Number.isFinite).map((v) => Math.round(v * 100) / 100);
  return {
    ttftMs: round(samples.map((s) => s.ttftMs)),
    tpotMs: round(samples.map((s) => s.tpotMs ?? Number.NaN)),
    e2eMs: round(samples.map((s) => s.e2eMs)),
  };
}

function meanOrNull(values: number[]): number | null {
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
