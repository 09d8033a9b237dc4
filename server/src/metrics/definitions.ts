/**
 * The one definition of every per-request timing metric. The panel, `npm start`, `tandem
 * report`, the benchmark runner and the Prometheus endpoint all read the fields this module
 * computes; none of them recomputes a metric its own way.
 *
 * The definitions follow vLLM's benchmark (benchmarks/benchmark_serving.py, `vllm bench serve`):
 * - TTFT: request start → first streamed token;
 * - E2E: request start → last token;
 * - TPOT: (E2E − TTFT) / (output tokens − 1): the mean time per token after the first, so a
 *   long prefill does not hide in it; undefined with fewer than two output tokens;
 * - ITL: every gap between two streamed chunks (a chunk may carry several tokens when a server
 *   batches them: vLLM counts chunk gaps too); stored per request as a compact summary;
 * - decode tokens/s: (output tokens − 1) / (E2E − TTFT) = 1000 / TPOT;
 * - prompt tokens/s: prompt tokens / TTFT (prefill speed, queueing and network included).
 */
import type { GapSummary } from '../protocol';
import { percentile } from './percentiles';

export interface TimingInput {
  ttftMs: number;
  e2eMs: number;
  promptTokens: number | null;
  outputTokens: number | null;
  /** Every gap between consecutive streamed chunks, ms, in arrival order. */
  gapsMs: readonly number[];
}

export interface RequestTiming {
  tpotMs?: number;
  decodeTokensPerSecond?: number;
  promptTokensPerSecond?: number;
  itl?: GapSummary;
}

export function requestTiming(input: TimingInput): RequestTiming {
  const timing: RequestTiming = {};
  const decodeMs = input.e2eMs - input.ttftMs;
  const output = input.outputTokens ?? 0;
  if (output >= 2 && decodeMs > 0) {
    timing.tpotMs = decodeMs / (output - 1);
    timing.decodeTokensPerSecond = (output - 1) / (decodeMs / 1000);
  }
  const prompt = input.promptTokens ?? 0;
  if (prompt > 0 && input.ttftMs > 0) timing.promptTokensPerSecond = prompt / (input.ttftMs / 1000);
  const itl = summarizeGaps(input.gapsMs);
  if (itl) timing.itl = itl;
  return timing;
}

/** Undefined when there was no gap (a one-chunk answer). Non-finite or negative gaps are skipped. */
export function summarizeGaps(gapsMs: readonly number[]): GapSummary | undefined {
  const gaps = gapsMs.filter((gap) => Number.isFinite(gap) && gap >= 0);
  if (gaps.length === 0) return undefined;
  const sorted = Float64Array.from(gaps).sort();
  let sum = 0;
  for (const gap of sorted) sum += gap;
  return {
    count: sorted.length,
    meanMs: sum / sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: sorted[sorted.length - 1] as number,
  };
}
