/**
 * report.json of `tandem bench`, schema version 1. report.schema.json is the machine-readable
 * form of these types (a unit test checks a real report against it); METRICS in metricCatalog.ts
 * names every metric with its definition and unit, and is written into every report.
 * Numbers that could not be measured are null (JSON has no NaN).
 */
import type { BackendId } from '../../protocol';
import type { Distribution, Goodput, Slo } from './stats';
import type { EnginesResult } from './enginesTypes';
import type { ModelInfo } from './targets';

export const REPORT_SCHEMA = 'tandem-bench-report';
export const REPORT_SCHEMA_VERSION = 1;

export type ScenarioName = 'latency' | 'throughput' | 'memory' | 'stress' | 'cache' | 'quality' | 'cost' | 'engines';
/** In the order they run: cost last, as it prices every request the others sent. */
export const SCENARIOS: readonly ScenarioName[] = ['latency', 'throughput', 'memory', 'stress', 'cache', 'quality', 'cost', 'engines'];
/** Scenarios of issue 14 this runner does not have yet (listed in every report). */
export const NOT_BUILT: readonly string[] = [];

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
  stress: StressResult | null;
  cache: CacheResult | null;
  quality: QualityResult | null;
  cost: CostResult | null;
}

export interface StressPhase {
  name: 'sustained' | 'burst' | 'recovery';
  /** Poisson arrival rate offered, requests/s. */
  offeredRps: number;
  durationS: number;
  requests: number;
  errors: number;
  ttftMs: Distribution;
  e2eMs: Distribution;
}

export interface StressResult {
  promptTokens: number;
  outputTokens: number;
  /** Requests/s at the saturation point the loads are fractions of. */
  saturationRps: number;
  /** Where it came from: this run's throughput scenario, or a short closed loop of its own. */
  saturationSource: 'throughput' | 'measured';
  phases: StressPhase[];
  /** E2E p50 of the sustained phase: what recovery returns to. */
  preBurstE2eP50Ms: number | null;
  /** Seconds from the end of the burst until latency is back (rule in metricCatalog.ts); null: not within the recovery phase. */
  recoveryS: number | null;
  recoveryRule: string;
  requests: number;
  errors: number;
  errorRate: number;
  /** Least-squares slope of E2E vs arrival time over the sustained phase, ms per minute. */
  e2eDriftMsPerMinute: SlopeWithError;
  /** Every request in arrival order: arrival (s since the start), E2E (ms), phase, success. */
  series: { startS: number[]; e2eMs: number[]; phase: string[]; ok: boolean[] };
}

export type CacheOutcome = 'l1' | 'l2' | 'typing' | 'miss' | 'notLookedUp';

export interface CachePass {
  /** 'typing': first time through; 'retyping': the same edits again in the same session;
   * 'restart': the same edits after a server restart (memory tier empty, disk tier kept). */
  name: 'typing' | 'retyping' | 'restart';
  requests: number;
  counts: Record<CacheOutcome, number>;
}

export interface CacheResult {
  files: number;
  typedChars: number;
  /** Milliseconds between keystrokes (0: as fast as the server answers). */
  pacingMs: number;
  passes: CachePass[];
  requests: number;
  /** Requests that reached the cache (every outcome but notLookedUp). */
  lookups: number;
  /** Hits of each tier / lookups. */
  hitRate: { l1: number; l2: number; typing: number; total: number };
  /** Client-observed LSP round trip (request sent → items received), per outcome. */
  latencyMs: Record<CacheOutcome, Distribution>;
  /** The same round trip over every hit (l1, l2 and typing pooled). */
  hitLatencyMs: Distribution;
  /** Miss p50 / hit p50 (all tiers), null when either is empty. */
  missToHitP50Ratio: number | null;
}

export interface TextScores {
  cases: number;
  /** Suggestions shown at all (non-empty). */
  shown: number;
  exactMatch: number;
  editSimilarity: number;
}

export type FunctionOutcome = 'passed' | 'failed' | 'timeout' | 'memory' | 'error' | 'skipped';

export interface FunctionResult {
  id: string;
  language: 'python' | 'javascript';
  outcome: FunctionOutcome;
  /** Test output's last line, or why the problem was skipped. */
  detail: string;
  completionChars: number;
}

export interface FunctionScores {
  problems: number;
  /** Problems whose tests ran (not skipped). */
  attempted: number;
  passed: number;
  /** passed / attempted with one greedy sample per problem; null when none ran. */
  passAt1: number | null;
  timeLimitMs: number;
  memoryLimitMb: number;
  perLanguage: Record<string, { attempted: number; passed: number; passAt1: number | null }>;
  results: FunctionResult[];
  notes: string[];
}

export interface ExplainQualityScores {
  pairs: number;
  /** Smoothed sentence BLEU-4 averaged over pairs, 0..100 (CodeXGLUE's scale). */
  bleu4: number;
  /** ROUGE-L F-measure averaged over pairs, 0..1. */
  rougeL: number;
  examples: Array<{ file: string; name: string; reference: string; generated: string }>;
}

export interface QualityResult {
  /** Next line through the LSP path (the following line removed, cursor at the end of the line). */
  nextLine: TextScores;
  /** Fill in the middle through the LSP path (a line's code removed, the text after it kept). */
  fim: TextScores;
  functions: FunctionScores;
  explain: ExplainQualityScores;
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
  /** The engines scenario (local model only, after every backend's scenarios); null when not run. */
  engines: EnginesResult | null;
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
  stress: { sustainS: number; burstS: number; recoveryMaxS: number; promptTokens: number; outputTokens: number };
  cache: { files: number; charsPerFile: number; pacingMs: number };
  quality: { casesPerFile: number; explainPairs: number; functionTimeLimitMs: number; functionMemoryMb: number; functionMaxTokens: number };
  cost: { acceptanceRate: number };
}
