/** Builders for metrics snapshots used by the panel tests (the webview page and the report). */
import type { BackendStats, LatencySummary, MetricsSnapshot, RequestRow } from '../../../server/src/protocol';

export function summary(values: Partial<LatencySummary> = {}): LatencySummary {
  return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, ...values };
}

export function backendStats(overrides: Partial<BackendStats> & Pick<BackendStats, 'backend'>): BackendStats {
  return {
    task: 'all',
    model: `${overrides.backend}-model`,
    requests: 0,
    errors: 0,
    timeouts: 0,
    cancelled: 0,
    fallbacks: 0,
    cacheHits: 0,
    cacheHitsByTier: { l1: 0, l2: 0, typing: 0 },
    cacheHitRate: 0,
    ttftMs: summary(),
    tpotMs: summary(),
    itlMs: summary(),
    e2eMs: summary(),
    decodeTokensPerSecond: summary(),
    promptTokensPerSecond: summary(),
    returned: 0,
    shown: 0,
    accepted: 0,
    partiallyAccepted: 0,
    typedOut: 0,
    rejected: 0,
    acceptanceRate: 0,
    shownChars: 0,
    acceptedChars: 0,
    typedChars: 0,
    charAcceptanceRate: 0,
    survival30s: { count: 0, mean: 0 },
    survival120s: { count: 0, mean: 0 },
    syntaxChecked: 0,
    syntaxErrors: 0,
    feedbackUp: 0,
    feedbackDown: 0,
    grounding: { count: 0, mean: 0 },
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    costPer1kRequests: 0,
    costPer1kAcceptedChars: 0,
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
    window: { sinceMs: 1_699_913_700_000, untilMs: 1_700_000_100_000 },
    filters: {},
    backends: [],
    byTask: [],
    beforeRouting: { requests: 0, cancelled: 0, errors: 0, superseded: 0, excluded: 0 },
    languages: [],
    showEvents: true,
    cache: { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 },
    recent: [],
    ...overrides,
  };
}

/**
 * Both backends filled in, completions and explanations: the panel's main fixture. Offload cost
 * 3.1 mUSD over 40 requests; local a fraction of a cent.
 */
export function bothBackendsSnapshot(overrides: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  const localCompletion = backendStats({
    backend: 'local',
    task: 'completion',
    model: 'tandem-tiny',
    requests: 120,
    errors: 2,
    timeouts: 1,
    cancelled: 30,
    fallbacks: 0,
    cacheHits: 24,
    cacheHitRate: 0.2,
    ttftMs: summary({ count: 60, mean: 45, p50: 40, p95: 95, p99: 130 }),
    tpotMs: summary({ count: 60, mean: 12, p50: 11, p95: 20, p99: 31 }),
    itlMs: summary({ count: 60, mean: 12, p50: 11.5, p95: 21, p99: 33 }),
    e2eMs: summary({ count: 60, mean: 150, p50: 120, p95: 310, p99: 1500 }),
    decodeTokensPerSecond: summary({ count: 60, mean: 80, p50: 85.25 }),
    promptTokensPerSecond: summary({ count: 60, mean: 2400, p50: 2500 }),
    returned: 60,
    shown: 50,
    accepted: 15,
    partiallyAccepted: 5,
    typedOut: 3,
    rejected: 27,
    acceptanceRate: 0.4,
    shownChars: 2000,
    acceptedChars: 700,
    typedChars: 90,
    charAcceptanceRate: 0.35,
    survival30s: { count: 12, mean: 0.92 },
    survival120s: { count: 8, mean: 0.85 },
    syntaxChecked: 20,
    syntaxErrors: 1,
    promptTokens: 12000,
    completionTokens: 600,
    costUsd: 0.0006,
    costPer1kRequests: 0.005,
    costPer1kAcceptedChars: 0.000857,
  });
  const offloadCompletion = backendStats({
    backend: 'offload',
    task: 'completion',
    model: 'qwen2.5-coder-7b',
    requests: 30,
    errors: 3,
    timeouts: 2,
    cancelled: 4,
    fallbacks: 3,
    cacheHits: 3,
    cacheHitRate: 0.1,
    ttftMs: summary({ count: 20, mean: 210, p50: 180, p95: 420, p99: 900 }),
    tpotMs: summary({ count: 20, mean: 9, p50: 8, p95: 14, p99: 22 }),
    itlMs: summary({ count: 20, mean: 9, p50: 8.2, p95: 15, p99: 24 }),
    e2eMs: summary({ count: 20, mean: 450, p50: 400, p95: 950, p99: 2100 }),
    decodeTokensPerSecond: summary({ count: 20, mean: 110, p50: 120 }),
    promptTokensPerSecond: summary({ count: 20, mean: 9000, p50: 9500 }),
    returned: 20,
    shown: 18,
    accepted: 9,
    partiallyAccepted: 0,
    rejected: 9,
    acceptanceRate: 0.5,
    shownChars: 1500,
    acceptedChars: 800,
    charAcceptanceRate: 0.5333,
    survival30s: { count: 5, mean: 0.8 },
    syntaxChecked: 9,
    syntaxErrors: 0,
    promptTokens: 30000,
    completionTokens: 900,
    costUsd: 0.0025,
    costPer1kRequests: 0.0833,
    costPer1kAcceptedChars: 0.003125,
  });
  const offloadExplain = backendStats({
    backend: 'offload',
    task: 'explain',
    model: 'qwen2.5-coder-7b',
    requests: 10,
    ttftMs: summary({ count: 10, mean: 300, p50: 280, p95: 600, p99: 700 }),
    tpotMs: summary({ count: 10, mean: 15, p50: 14, p95: 25, p99: 30 }),
    itlMs: summary({ count: 10, mean: 15, p50: 14, p95: 24, p99: 29 }),
    e2eMs: summary({ count: 10, mean: 3200, p50: 3000, p95: 5200, p99: 6000 }),
    decodeTokensPerSecond: summary({ count: 10, mean: 70, p50: 71 }),
    promptTokensPerSecond: summary({ count: 10, mean: 4000, p50: 4100 }),
    feedbackUp: 3,
    feedbackDown: 1,
    grounding: { count: 4, mean: 0.78 },
    promptTokens: 8000,
    completionTokens: 2000,
    costUsd: 0.0006,
    costPer1kRequests: 0.06,
  });
  const localAll = { ...localCompletion, task: 'all' as const };
  const offloadAll = backendStats({
    ...offloadCompletion,
    task: 'all',
    requests: 40,
    promptTokens: 38000,
    completionTokens: 2900,
    costUsd: 0.0031,
    costPer1kRequests: 0.0775,
    costPer1kAcceptedChars: 0.003875,
  });
  return snapshot({
    backends: [offloadAll, localAll],
    byTask: [localCompletion, offloadCompletion, offloadExplain],
    beforeRouting: { requests: 12, cancelled: 12, errors: 0, superseded: 40, excluded: 0 },
    languages: ['python', 'typescript'],
    memory: { rssBytes: 220 * 1024 * 1024, heapUsedBytes: 81 * 1024 * 1024, externalBytes: 12 * 1024 * 1024 },
    cache: { l1Hits: 20, l2Hits: 2, typingHits: 5, misses: 123 },
    ...overrides,
  });
}

/** Rows for the charts and the recent table: both backends, both tasks, a few outcomes. */
export function bothBackendsRows(): RequestRow[] {
  const start = 1_700_000_000_000;
  const rows: RequestRow[] = [];
  for (let i = 0; i < 12; i++) {
    rows.push(
      requestRow({
        id: `local-${i}`,
        ts: start + i * 60_000,
        backend: 'local',
        model: 'tandem-tiny',
        promptTokens: 100 + 20 * i,
        ttftMs: 30 + i,
        e2eMs: 100 + 10 * i,
        tpotMs: 11,
        decodeTokensPerSecond: 90,
        outcome: i % 3 === 0 ? 'accepted' : 'shown',
        displayed: 1,
        survival30s: i % 3 === 0 ? 0.9 : undefined,
        costUsd: 0.000004,
      }),
    );
    rows.push(
      requestRow({
        id: `offload-${i}`,
        ts: start + i * 60_000 + 30_000,
        backend: 'offload',
        model: 'qwen2.5-coder-7b',
        language: 'typescript',
        task: i % 4 === 0 ? 'explain' : 'completion',
        promptTokens: 400 + 50 * i,
        ttftMs: 150 + 5 * i,
        e2eMs: 380 + 20 * i,
        outcome: i === 5 ? 'error' : i % 2 === 0 ? 'partial' : 'rejected',
        acceptedChars: i % 2 === 0 ? 7 : null,
        errorClass: i === 5 ? 'TimeoutError' : null,
        displayed: 1,
        costUsd: 0.00008,
      }),
    );
  }
  rows.push(
    requestRow({ id: 'early-cancel', ts: start + 700_000, backend: null, model: null, ttftMs: null, e2eMs: null, outcome: 'cancelled' }),
  );
  return rows;
}
