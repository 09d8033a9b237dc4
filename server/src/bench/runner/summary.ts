/**
 * The executive summary: one row per headline figure, local next to offload, as the seed
 * report's table (000: "Local (Small Model) | Docker Offload (Large Model) | Improvement").
 * Each figure is read from a scenario's result; null when that scenario did not run. The engines
 * scenario runs on the local model only: its rows fill the local column.
 */
import type { EngineCell, EnginesResult } from './enginesTypes';
import type { BackendReport, LatencyCell, SummaryRow } from './reportTypes';

type Pick = (backend: BackendReport) => number | null | undefined;

/** The latency cell the summary quotes: the shortest prompt with the longest output run. */
export function headlineCell(backend: BackendReport): LatencyCell | undefined {
  const cells = backend.latency?.cells ?? [];
  const shortest = Math.min(...cells.map((c) => c.promptTokens));
  return cells.filter((c) => c.promptTokens === shortest).sort((a, b) => b.outputTokens - a.outputTokens)[0];
}

/** A percentile of the headline cell's distribution; null when it holds no request. */
const headline =
  (stat: 'ttftMs' | 'tpotMs' | 'e2eMs' | 'decodeTokensPerSecond', percentile: 'p50' | 'p95'): Pick =>
  (b) => {
    const distribution = headlineCell(b)?.[stat];
    return distribution?.count ? distribution[percentile] : null;
  };

const ROWS: Array<{ metric: string; unit: string; better: SummaryRow['better']; pick: Pick }> = [
  { metric: 'TTFT p50 (shortest prompt)', unit: 'ms', better: 'lower', pick: headline('ttftMs', 'p50') },
  { metric: 'TTFT p95 (shortest prompt)', unit: 'ms', better: 'lower', pick: headline('ttftMs', 'p95') },
  { metric: 'TPOT p50', unit: 'ms', better: 'lower', pick: headline('tpotMs', 'p50') },
  { metric: 'E2E p50 (shortest prompt, longest output)', unit: 'ms', better: 'lower', pick: headline('e2eMs', 'p50') },
  { metric: 'Decode speed p50', unit: 'tokens/s', better: 'higher', pick: headline('decodeTokensPerSecond', 'p50') },
  {
    metric: 'Peak throughput (closed loop)',
    unit: 'requests/s',
    better: 'higher',
    pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.requestsPerSecond)),
  },
  {
    metric: 'Peak output tokens/s (closed loop)',
    unit: 'tokens/s',
    better: 'higher',
    pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.outputTokensPerSecond)),
  },
  { metric: 'Saturation concurrency', unit: 'requests in flight', better: 'higher', pick: (b) => b.throughput?.saturation?.concurrency },
  { metric: 'E2E p95 at saturation', unit: 'ms', better: 'lower', pick: (b) => b.throughput?.saturation?.e2eP95Ms },
  {
    metric: 'Peak goodput (SLOs met)',
    unit: 'requests/s',
    better: 'higher',
    pick: (b) => maxOf(b.throughput?.closedLoop.map((l) => l.goodput.requestsPerSecond)),
  },
  // Offload's model lives on the server: the client's RSS change at "load" says nothing about it.
  { metric: 'Memory added by the model', unit: 'MB', better: 'lower', pick: (b) => (b.id === 'local' ? b.memory?.modelMemoryMb : null) },
  { metric: 'Process RSS after load', unit: 'MB', better: 'lower', pick: (b) => b.memory?.rssAfterLoadMb },
  { metric: 'Leak rate (± std. error in report)', unit: 'MB/hour', better: 'lower', pick: (b) => b.memory?.leakRateMbPerHour.slope },
  { metric: 'Stress: recovery after a 2× burst', unit: 's', better: 'lower', pick: (b) => b.stress?.recoveryS },
  {
    metric: 'Stress: E2E drift at 50 % load (± s.e. in report)',
    unit: 'ms/minute',
    better: 'lower',
    pick: (b) => b.stress?.e2eDriftMsPerMinute.slope,
  },
  { metric: 'Stress: error rate', unit: '%', better: 'lower', pick: (b) => (b.stress ? 100 * b.stress.errorRate : null) },
  {
    metric: 'Cache hit rate, typing replay (all tiers)',
    unit: '%',
    better: 'higher',
    pick: (b) => (b.cache?.lookups ? 100 * b.cache.hitRate.total : null),
  },
  {
    metric: 'Cache hit latency p50 (LSP round trip)',
    unit: 'ms',
    better: 'lower',
    pick: (b) => (b.cache?.hitLatencyMs.count ? b.cache.hitLatencyMs.p50 : null),
  },
  {
    metric: 'Next-line exact match (LSP path)',
    unit: '%',
    better: 'higher',
    pick: (b) => (b.quality?.nextLine.cases ? 100 * b.quality.nextLine.exactMatch : null),
  },
  {
    metric: 'FIM edit similarity (LSP path)',
    unit: '%',
    better: 'higher',
    pick: (b) => (b.quality?.fim.cases ? 100 * b.quality.fim.editSimilarity : null),
  },
  {
    metric: 'Function completion pass@1',
    unit: '%',
    better: 'higher',
    pick: (b) => (b.quality?.functions.passAt1 == null ? null : 100 * b.quality.functions.passAt1),
  },
  {
    metric: 'Explanation BLEU-4',
    unit: '0..100',
    better: 'higher',
    pick: (b) => (b.quality?.explain.pairs ? b.quality.explain.bleu4 : null),
  },
  {
    metric: 'Explanation ROUGE-L',
    unit: '%',
    better: 'higher',
    pick: (b) => (b.quality?.explain.pairs ? 100 * b.quality.explain.rougeL : null),
  },
  { metric: 'Cost per 1k requests', unit: 'USD', better: 'lower', pick: (b) => b.cost?.per1kRequestsUsd },
  { metric: 'Cost per 1k accepted chars (proxy)', unit: 'USD', better: 'lower', pick: (b) => b.cost?.per1kAcceptedCharsUsd },
];

type EnginesPick = (engines: EnginesResult) => number | null | undefined;

/** The engines scenario's headline figures, at its shortest prompt. */
const ENGINE_ROWS: Array<{ metric: string; unit: string; better: SummaryRow['better']; pick: EnginesPick }> = [
  { metric: 'Engines: Tandem path ÷ bare onnxruntime loop, TTFT p50', unit: '×', better: 'lower', pick: (e) => tandemRatio(e)?.ttft },
  { metric: 'Engines: Tandem path ÷ bare onnxruntime loop, TPOT p50', unit: '×', better: 'lower', pick: (e) => tandemRatio(e)?.tpot },
  { metric: 'Engines: Tandem path ÷ bare onnxruntime loop, E2E p50', unit: '×', better: 'lower', pick: (e) => tandemRatio(e)?.e2e },
  {
    metric: 'Engines: llama.cpp ÷ bare onnxruntime loop, decode tokens/s p50 (same weight precision)',
    unit: '×',
    better: 'higher',
    pick: llamaCppDecodeRatio,
  },
  {
    metric: 'Engines: llama.cpp (F32 GGUF) greedy agreement with the fp32 ONNX graph',
    unit: '%',
    better: 'higher',
    pick: (e) => (e.llamaCppAgreement?.prompts ? (100 * e.llamaCppAgreement.agreed) / e.llamaCppAgreement.prompts : null),
  },
  {
    metric: 'Quantization: q8 − fp32 next-line exact match',
    unit: 'points',
    better: 'higher',
    pick: (e) => scaled(e.quantization?.delta?.exactMatch),
  },
  {
    metric: 'Quantization: q8 − fp32 next-line edit similarity',
    unit: 'points',
    better: 'higher',
    pick: (e) => scaled(e.quantization?.delta?.editSimilarity),
  },
  { metric: 'Quantization: q8 − fp32 TPOT p50', unit: 'ms', better: 'lower', pick: (e) => e.quantization?.delta?.tpotP50Ms },
];

export function summaryRows(backends: readonly BackendReport[], engines: EnginesResult | null = null): SummaryRow[] {
  const local = backends.find((b) => b.id === 'local');
  const offload = backends.find((b) => b.id === 'offload');
  const rows = ROWS.map((row) => ({
    metric: row.metric,
    unit: row.unit,
    better: row.better,
    local: finiteOrNull(local ? row.pick(local) : null),
    offload: finiteOrNull(offload ? row.pick(offload) : null),
  }));
  if (!engines) return rows;
  return [
    ...rows,
    ...ENGINE_ROWS.map((row) => ({
      metric: row.metric,
      unit: row.unit,
      better: row.better,
      local: finiteOrNull(row.pick(engines)),
      offload: null,
    })),
  ];
}

function shortestPrompt(engines: EnginesResult): number {
  return Math.min(...engines.cells.map((c) => c.promptTokens));
}

function tandemRatio(engines: EnginesResult) {
  const tokens = shortestPrompt(engines);
  return engines.ratios.find((r) => r.engine === 'tandem' && r.promptTokens === tokens);
}

/** llama.cpp's decode speed ÷ the bare loop's, with llama.cpp's weights in the scenario's dtype (Q8_0 for q8). */
function llamaCppDecodeRatio(engines: EnginesResult): number | null {
  const tokens = shortestPrompt(engines);
  const at = (engine: EngineCell['engine']) =>
    engines.cells.find((c) => c.engine === engine && c.dtype === engines.dtype && c.promptTokens === tokens);
  const llama = at('llama.cpp');
  const floor = at('bare-ort');
  return llama && floor && floor.decodeTokensPerSecond.p50 > 0 ? llama.decodeTokensPerSecond.p50 / floor.decodeTokensPerSecond.p50 : null;
}

/** A 0..1 difference as percentage points. */
function scaled(delta: number | undefined): number | null {
  return delta === undefined ? null : 100 * delta;
}

function maxOf(values: number[] | undefined): number | null {
  return values && values.length > 0 ? Math.max(...values) : null;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
