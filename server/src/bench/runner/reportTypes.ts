/**
 * report.json of `tandem bench`, schema version 1. report.schema.json is the machine-readable
 * form of these types (a unit test checks a real report against it); METRICS in metricCatalog.ts
 * names every metric with its definition and unit, and is written into every report.
 * Numbers that could not be measured are null (JSON has no NaN).
 */
import type { BackendId } from '../../protocol';
import type { Distribution, Goodput, Slo } from './stats';
import type { ModelInfo } from './targets';

export const REPORT_SCHEMA = 'tandem-bench-report';
export const REPORT_SCHEMA_VERSION = 1;

export type ScenarioName = 'latency' | 'throughput' | 'memory' | 'cost';
export const SCENARIOS: readonly ScenarioName[] = ['latency', 'throughput', 'memory', 'cost'];
/** Scenarios of issue 14 this runner does not have yet (listed in every report). */
export const NOT_BUILT = ['stress', 'cache', 'quality', 'engines'] as const;

export interface MetricDefinition {
  definition: string;
  unit: string;
}

/** Raw per-request values kept for --compare's bootstrap (ms, rounded to 0.01). */
export interface RawSamples {
  ttftMs: number[];
  tpotMs: number[];
  e2eMs: number[];
}

export interface LatencyCell {
  id: string;
  promptTokens: number;
  outputTokens: number;
  /** Mean prompt / output tokens actually sent and generated (backend's usage). */
  measuredPromptTokens: number | null;
  measuredOutputTokens: number | null;
  runs: number;
  warmup: number;
  errors: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  /** Pooled over every chunk gap of every request. */
  itlMs: Distribution;
  e2eMs: Distribution;
  decodeTokensPerSecond: Distribution;
  promptTokensPerSecond: Distribution;
  samples: RawSamples;
}

export interface SkippedCell {
  promptTokens: number;
  outputTokens: number;
  reason: string;
}

export interface LatencyResult {
  cells: LatencyCell[];
  skipped: SkippedCell[];
}

export interface LoadLevel {
  mode: 'closed' | 'open';
  /** Closed loop: requests in flight at all times. */
  concurrency: number | null;
  /** Open loop: the Poisson arrival rate offered, requests/s. */
  offeredRps: number | null;
  requests: number;
  errors: number;
  durationS: number;
  requestsPerSecond: number;
  outputTokensPerSecond: number;
  goodput: Goodput;
  ttftMs: Distribution;
  tpotMs: Distribution;
  e2eMs: Distribution;
  samples: RawSamples;
}

export interface Saturation {
  concurrency: number;
  requestsPerSecond: number;
  ttftP50Ms: number;
  ttftP95Ms: number;
  e2eP50Ms: number;
  e2eP95Ms: number;
  /** How it was found (the rule in metricCatalog.ts). */
  rule: string;
}

export interface ThroughputResult {
  promptTokens: number;
  outputTokens: number;
  slo: Slo;
  closedLoop: LoadLevel[];
  openLoop: LoadLevel[];
  saturation: Saturation | null;
}

export interface SlopeWithError {
  slope: number | null;
  stdError: number | null;
  points: number;
}

export interface MemoryResult {
  /** 'process': Tandem's own process (local: includes the model worker thread; offload: the client only). */
  scope: 'process';
  rssBeforeLoadMb: number;
  rssAfterLoadMb: number;
  modelMemoryMb: number;
  heapUsedAfterLoadMb: number;
  requests: number;
  rssAfterRunMb: number;
  peakRssMb: number;
  perRequestGrowthMb: SlopeWithError;
  leakRateMbPerHour: SlopeWithError;
  series: { elapsedS: number[]; rssMb: number[] };
}

export interface CostResult {
  /** What the price rests on (tokens × price, server time, or local energy assumptions). */
  basis: string;
  requests: number;
  totalUsd: number;
  per1kRequestsUsd: number;
  per1kOutputCharsUsd: number | null;
  /** Accepted characters are a proxy here: output characters × `acceptanceRate` (an assumption). */
  per1kAcceptedCharsUsd: number | null;
  acceptanceRate: number;
  acceptanceSource: string;
}

export interface BackendReport {
  id: BackendId;
  model: ModelInfo | null;
  /** Set when the backend could not be opened or a scenario failed. */
  errors: string[];
  latency: LatencyResult | null;
  throughput: ThroughputResult | null;
  memory: MemoryResult | null;
  cost: CostResult | null;
}

export interface SummaryRow {
  metric: string;
  unit: string;
  /** Lower is better (latency, memory, cost) or higher (speed, throughput). */
  better: 'lower' | 'higher';
  local: number | null;
  offload: number | null;
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; totalMemoryMb: number; loadAverage: number[] };
  software: { node: string; tandem: string; packages: Record<string, string> };
  configuration: BenchConfiguration;
  metrics: Record<string, MetricDefinition>;
  summary: SummaryRow[];
  backends: BackendReport[];
  notDone: string[];
}

export interface BenchConfiguration {
  quick: boolean;
  scenarios: ScenarioName[];
  backends: BackendId[];
  seed: number;
  slo: Slo;
  latency: { promptTokens: number[]; outputTokens: number[]; runs: number; warmup: number };
  throughput: { concurrency: number[]; requestsPerLevel: number; rateFactors: number[]; promptTokens: number; outputTokens: number };
  memory: { requests: number; promptTokens: number; outputTokens: number };
  cost: { acceptanceRate: number };
}
