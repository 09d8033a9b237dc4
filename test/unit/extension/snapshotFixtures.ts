/** Builders for metrics snapshots used by the panel tests. */
import type { BackendStats, LatencySummary, MetricsSnapshot, RequestRow } from '../../../server/src/protocol';

export function summary(values: Partial<LatencySummary> = {}): LatencySummary {
  return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, ...values };
}

export function backendStats(overrides: Partial<BackendStats> & Pick<BackendStats, 'backend'>): BackendStats {
  return {
    model: `${overrides.backend}-model`,
    requests: 0,
    errors: 0,
    cancelled: 0,
    fallbacks: 0,
    cacheHits: 0,
    cacheHitRate: 0,
    ttftMs: summary(),
    e2eMs: summary(),
    tokensPerSecond: summary(),
    shown: 0,
    accepted: 0,
    partiallyAccepted: 0,
    acceptanceRate: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    ...overrides,
  };
}

let nextId = 0;

export function requestRow(overrides: Partial<RequestRow> = {}): RequestRow {
  nextId += 1;
  return {
    id: `r${nextId}`,
    ts: 1_700_000_000_000 + nextId,
    task: 'completion',
    language: 'python',
    policy: 'auto',
    decision: 'local: short single-line',
    backend: 'local',
    model: 'local-model',
    cacheTier: 'none',
    promptTokens: 100,
    completionTokens: 10,
    tokenSource: 'tokenizer',
    ttftMs: 40,
    e2eMs: 90,
    tokensPerSecond: 110,
    outcome: 'shown',
    acceptedChars: null,
    errorClass: null,
    fallbackReason: null,
    ...overrides,
  };
}

export function snapshot(overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return {
    generatedAt: 1_700_000_100_000,
    backends: [],
    cache: { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 },
    recent: [],
    ...overrides,
  };
}
