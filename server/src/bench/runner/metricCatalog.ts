/**
 * Every metric a bench report holds: its definition and unit, written into report.json
 * (`metrics`) so the file explains itself. Per-request timings are those of
 * metrics/definitions.ts (vLLM's); percentiles are metrics/percentiles.ts's (numpy's linear).
 */
import type { MetricDefinition } from './reportTypes';
import { RECOVERY_RULE } from './stress';
import { SATURATION_RULE } from './throughput';

export const METRICS: Record<string, MetricDefinition> = {
  ttftMs: { definition: 'Time to first token: request start → first streamed token (open loop: from the arrival time).', unit: 'ms' },
  tpotMs: { definition: 'Time per output token after the first: (E2E − TTFT) / (output tokens − 1), per request.', unit: 'ms' },
  itlMs: { definition: 'Inter-token latency: every gap between two streamed chunks, pooled over the requests of a cell.', unit: 'ms' },
  e2eMs: { definition: 'End-to-end latency: request start → last token.', unit: 'ms' },
  decodeTokensPerSecond: { definition: '(output tokens − 1) / (E2E − TTFT) = 1000 / TPOT, per request.', unit: 'tokens/s' },
  promptTokensPerSecond: {
    definition: 'Prompt tokens / TTFT (prefill speed, queueing and transport included), per request.',
    unit: 'tokens/s',
  },
  'distribution.p50|p90|p95|p99': {
    definition: 'Percentiles with linear interpolation between closest ranks (rank = p × (n − 1)), as numpy.percentile.',
    unit: 'as the metric',
  },
  'distribution.std': { definition: 'Sample standard deviation (n − 1 in the denominator).', unit: 'as the metric' },
  requestsPerSecond: { definition: 'Successful requests / wall time of the load level.', unit: 'requests/s' },
  outputTokensPerSecond: { definition: 'Output tokens of successful requests / wall time of the load level.', unit: 'tokens/s' },
  'goodput.requestsPerSecond': {
    definition: 'Requests that succeeded with TTFT ≤ SLO and E2E ≤ SLO, / wall time of the level.',
    unit: 'requests/s',
  },
  'goodput.fraction': { definition: 'Share of a level’s requests that met both SLOs.', unit: '0..1' },
  saturation: { definition: `Saturation point: ${SATURATION_RULE}.`, unit: 'concurrency' },
  rssMb: {
    definition: 'Resident set size of the Tandem process (process.memoryUsage.rss); the local model runs in a worker thread of it.',
    unit: 'MB (2^20 bytes)',
  },
  modelMemoryMb: { definition: 'RSS after the model loaded − RSS just before.', unit: 'MB' },
  perRequestGrowthMb: {
    definition: 'Least-squares slope of RSS after each request vs request number, with the slope’s standard error.',
    unit: 'MB/request',
  },
  leakRateMbPerHour: {
    definition: 'Least-squares slope of RSS vs elapsed time over the memory run, with the slope’s standard error.',
    unit: 'MB/hour',
  },
  per1kRequestsUsd: {
    definition: '1000 × the sum of metrics/cost.ts priceRow over the run’s successful requests / their number.',
    unit: 'USD',
  },
  per1kOutputCharsUsd: { definition: '1000 × total cost / output characters.', unit: 'USD' },
  per1kAcceptedCharsUsd: { definition: '1000 × total cost / (output characters × the assumed acceptance rate).', unit: 'USD' },
  'stress.phases': {
    definition:
      'Open-loop Poisson arrivals at 50 % of the saturation throughput (sustained), then 200 % (burst), then 50 % (recovery), back to back; E2E from each request’s arrival.',
    unit: 'requests/s offered',
  },
  'stress.recoveryS': {
    definition: `Recovery time: ${RECOVERY_RULE}; null when latency did not recover within the recovery phase.`,
    unit: 's',
  },
  'stress.errorRate': { definition: 'Failed requests / all requests of the stress run (every phase).', unit: '0..1' },
  'stress.e2eDriftMsPerMinute': {
    definition:
      'Least-squares slope of E2E vs arrival time over the sustained phase’s successful requests, with the slope’s standard error (0 ± s.e.: no drift).',
    unit: 'ms/minute',
  },
  'cache.outcome': {
    definition:
      'Per completion request of the typing replay, which cache counter it moved (metrics snapshot `cache` before and after it): typing-along hit, L1 (memory) hit, L2 (disk) hit, miss, or none (the server answered without a cache lookup).',
    unit: 'requests',
  },
  'cache.hitRate': {
    definition: 'Hits of a tier / requests that reached the cache (lookups), over the three passes (typing, retyping, after restart).',
    unit: '0..1',
  },
  'cache.latencyMs': {
    definition: 'LSP round trip per request, client side: inline completion request sent → items received, by cache outcome.',
    unit: 'ms',
  },
  'cache.missToHitP50Ratio': { definition: 'Miss latency p50 / hit latency p50 (all hit tiers pooled).', unit: 'ratio' },
  'quality.exactMatch': {
    definition:
      'Share of cases whose suggested line equals the removed line after whitespace normalisation (CodeXGLUE line completion); cases without a suggestion count as misses.',
    unit: '0..1',
  },
  'quality.editSimilarity': {
    definition:
      'Mean over cases of 2·LCS(characters) / (|prediction| + |reference|) of the whitespace-normalised lines (fuzzywuzzy ratio / 100); 0 for no suggestion.',
    unit: '0..1',
  },
  'quality.passAt1': {
    definition:
      'Function problems whose hidden tests pass with one greedy completion of the body / problems run (skipped ones excluded); tests run in a subprocess under the time and memory limits.',
    unit: '0..1',
  },
  'quality.bleu4': {
    definition:
      'Smoothed sentence BLEU-4 of the explanation vs the function’s docstring summary (Lin & Och add-one smoothing of 2–4-gram precisions, brevity penalty exp(min(0, 1 − (r+1)/(c+1))), lower-cased, words and punctuation split), mean over pairs × 100 (CodeXGLUE code-to-text).',
    unit: '0..100',
  },
  'quality.rougeL': {
    definition:
      'ROUGE-L F-measure: 2·P·R / (P + R) with P = LCS/|prediction|, R = LCS/|reference| over lower-cased alphanumeric tokens, mean over pairs.',
    unit: '0..1',
  },
  'engines.cells': {
    definition:
      'Per engine and prompt length: TTFT, TPOT, E2E and decode tokens/s (the definitions above) of greedy runs with the same prompt token ids, output length (EOS ignored) and intra-op thread count; engines: tandem (LocalBackend, worker thread), transformers.js (stock generate), bare-ort (bare onnxruntime-node loop, the floor), llama.cpp (node-llama-cpp on the GGUF conversion: F32 weights as dtype fp32, Q8_0 as q8).',
    unit: 'as the metric',
  },
  'engines.ratios': {
    definition:
      'p50 of an engine ÷ p50 of the bare onnxruntime loop at the same prompt length, for TTFT, TPOT and E2E (1 = the floor; < 1 = faster than the floor).',
    unit: 'ratio',
  },
  'engines.rssDeltaMb': {
    definition:
      'RSS of the bench process after an engine loaded − before (engines load one after the other in one process, so later ones can reuse freed pages: indicative).',
    unit: 'MB',
  },
  'engines.keystroke.ratio': {
    definition:
      'Follow-up keystroke TTFT p50 with KV reuse ÷ cold-prefill TTFT p50 of the same prompt (followUpTtft.ts), on Tandem’s path.',
    unit: 'ratio',
  },
  'engines.quantization.rssDeltaMb': {
    definition: 'In a fresh Node process: RSS after creating the ONNX session (product options) and one 16-token prefill − RSS before.',
    unit: 'MB',
  },
  'engines.quantization.exactMatch': {
    definition:
      'Next-line exact match (as quality.exactMatch) of greedy bare-loop completions of held-out next-line prompts (heldout.ts completionCases), per dtype.',
    unit: '0..1',
  },
  'engines.agreement': {
    definition:
      'Prompts whose greedy token sequences are identical (up to the shorter run when one hit its token limit) / prompts; for a disagreement, the top-1 − top-2 logit margin of each engine at the first differing step (reference: the ONNX logits; llama.cpp: ln p1 − ln p2).',
    unit: 'count',
  },
  'compare.ci': {
    definition: 'Percentile bootstrap confidence interval (seeded mulberry32, 2000 resamples) of a statistic of the raw samples.',
    unit: 'as the metric',
  },
};
