/**
 * Every metric a bench report holds: its definition and unit, written into report.json
 * (`metrics`) so the file explains itself. Per-request timings are those of
 * metrics/definitions.ts (vLLM's); percentiles are metrics/percentiles.ts's (numpy's linear).
 */
import type { MetricDefinition } from './reportTypes';
import { SATURATION_RULE } from './throughput';

export const METRICS: Record<string, MetricDefinition> = {
  ttftMs: { definition: 'Time to first token: request start → first streamed token (open loop: from the arrival time).', unit: 'ms' },
  tpotMs: { definition: 'Time per output token after the first: (E2E − TTFT) / (output tokens − 1), per request.', unit: 'ms' },
  itlMs: { definition: 'Inter-token latency: every gap between two streamed chunks, pooled over the requests of a cell.', unit: 'ms' },
  e2eMs: { definition: 'End-to-end latency: request start → last token.', unit: 'ms' },
  decodeTokensPerSecond: { definition: '(output tokens − 1) / (E2E − TTFT) = 1000 / TPOT, per request.', unit: 'tokens/s' },
  promptTokensPerSecond: { definition: 'Prompt tokens / TTFT (prefill speed, queueing and transport included), per request.', unit: 'tokens/s' },
  'distribution.p50|p90|p95|p99': { definition: 'Percentiles with linear interpolation between closest ranks (rank = p × (n − 1)), as numpy.percentile.', unit: 'as the metric' },
  'distribution.std': { definition: 'Sample standard deviation (n − 1 in the denominator).', unit: 'as the metric' },
  requestsPerSecond: { definition: 'Successful requests / wall time of the load level.', unit: 'requests/s' },
  outputTokensPerSecond: { definition: 'Output tokens of successful requests / wall time of the load level.', unit: 'tokens/s' },
  'goodput.requestsPerSecond': { definition: 'Requests that succeeded with TTFT ≤ SLO and E2E ≤ SLO, / wall time of the level.', unit: 'requests/s' },
  'goodput.fraction': { definition: 'Share of a level’s requests that met both SLOs.', unit: '0..1' },
  saturation: { definition: `Saturation point: ${SATURATION_RULE}.`, unit: 'concurrency' },
  rssMb: { definition: 'Resident set size of the Tandem process (process.memoryUsage.rss); the local model runs in a worker thread of it.', unit: 'MB (2^20 bytes)' },
  modelMemoryMb: { definition: 'RSS after the model loaded − RSS just before.', unit: 'MB' },
  perRequestGrowthMb: { definition: 'Least-squares slope of RSS after each request vs request number, with the slope’s standard error.', unit: 'MB/request' },
  leakRateMbPerHour: { definition: 'Least-squares slope of RSS vs elapsed time over the memory run, with the slope’s standard error.', unit: 'MB/hour' },
  per1kRequestsUsd: { definition: '1000 × the sum of metrics/cost.ts priceRow over the run’s successful requests / their number.', unit: 'USD' },
  per1kOutputCharsUsd: { definition: '1000 × total cost / output characters.', unit: 'USD' },
  per1kAcceptedCharsUsd: { definition: '1000 × total cost / (output characters × the assumed acceptance rate).', unit: 'USD' },
  'compare.ci': { definition: 'Percentile bootstrap confidence interval (seeded mulberry32, 2000 resamples) of a statistic of the raw samples.', unit: 'as the metric' },
};
