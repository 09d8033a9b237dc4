/**
 * Every aggregate definition (SPEC11 "Aggregate definitions", metrics/aggregateSql.ts) checked
 * against values computed by hand, on rows written through the real store and read back by
 * the recorder's snapshot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import type { MetricsConfig } from '../../server/src/metrics/recorder';
import type { BackendStats, MetricsSnapshot, MetricsSnapshotParams, RequestRow } from '../../server/src/protocol';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';

const T0 = Date.UTC(2025, 5, 1);
const DAY = 24 * 3600 * 1000;
let tick = 0;
const at = () => T0 - 10_000 + ++tick;
const gaps = (meanMs: number) => ({ count: 3, meanMs, p50Ms: meanMs, p95Ms: meanMs * 2, maxMs: meanMs * 3 });
const nothingMeasured = { ttftMs: null, e2eMs: null, promptTokens: null, completionTokens: null };

/** local × completion: the main group, one row per case the definitions tell apart. */
const localCompletion: RequestRow[] = [
  requestRow({
    ts: at(),
    outcome: 'accepted',
    ttftMs: 10,
    e2eMs: 100,
    tpotMs: 5,
    decodeTokensPerSecond: 200,
    promptTokensPerSecond: 1000,
    itl: gaps(4),
    shownChars: 10,
    acceptedChars: 10,
    displayed: 1,
    costUsd: 0.001,
    survival30s: 0.8,
    syntaxError: 0,
  }),
  requestRow({
    ts: at(),
    outcome: 'partial',
    ttftMs: 20,
    e2eMs: 200,
    tpotMs: 10,
    decodeTokensPerSecond: 100,
    promptTokensPerSecond: 500,
    itl: gaps(8),
    shownChars: 20,
    acceptedChars: 5,
    displayed: 1,
    costUsd: 0.002,
    survival30s: 0.4,
    survival120s: 0.5,
    syntaxError: 1,
  }),
  // Typed out: rejected, but the user typed all 30 characters themselves.
  requestRow({ ts: at(), outcome: 'rejected', ttftMs: 30, e2eMs: 300, shownChars: 30, typedChars: 30, displayed: 1, costUsd: 0.003 }),
  // Returned but never reported displayed; typed only part of it.
  requestRow({ ts: at(), outcome: 'shown', ttftMs: 40, e2eMs: 400, shownChars: 8, typedChars: 4, costUsd: 0.004 }),
  // A cache hit: counted, shown, but no latency and no tokens.
  requestRow({ ts: at(), outcome: 'shown', cacheTier: 'l1', ttftMs: 1, e2eMs: 1, shownChars: 6, displayed: 1, costUsd: 0 }),
  requestRow({ ts: at(), outcome: 'error', errorClass: 'TimeoutError', ...nothingMeasured, e2eMs: 4000, costUsd: 0 }),
  requestRow({ ts: at(), outcome: 'error', errorClass: 'BackendUnavailableError', ...nothingMeasured, costUsd: 0 }),
  // Cancelled while waiting on the local backend: counted for it.
  requestRow({ ts: at(), outcome: 'cancelled', ...nothingMeasured, costUsd: 0 }),
  // Generated nothing: in the latency summaries, not returned.
  requestRow({ ts: at(), outcome: 'empty', ttftMs: 50, e2eMs: 60, costUsd: 0.0005 }),
  // Accepted after typing it all: accepted, not typed out.
  requestRow({
    ts: at(),
    outcome: 'accepted',
    ttftMs: 60,
    e2eMs: 600,
    shownChars: 12,
    acceptedChars: 12,
    typedChars: 12,
    displayed: 1,
    costUsd: 0.005,
  }),
];

const localExplain: RequestRow[] = [
  requestRow({ ts: at(), task: 'explain', outcome: 'answered', ttftMs: 100, e2eMs: 1000, feedback: 1, grounding: 0.5, costUsd: 0.01 }),
  requestRow({
    ts: at(),
    task: 'explain',
    outcome: 'answered',
    ttftMs: 200,
    e2eMs: 2000,
    feedback: -1,
    grounding: 1,
    fallbackReason: 'offload timed out',
    costUsd: 0.02,
  }),
];

const offloadCompletion: RequestRow[] = [
  requestRow({
    ts: at(),
    backend: 'offload',
    model: 'codellama',
    outcome: 'shown',
    displayed: 1,
    promptTokens: 1000,
    completionTokens: 50,
    shownChars: 40,
    costUsd: 0.01,
  }),
  // Cancelled while waiting on the offload endpoint, in another language.
  requestRow({
    ts: at(),
    backend: 'offload',
    model: 'codellama',
    language: 'python',
    outcome: 'cancelled',
    ...nothingMeasured,
    costUsd: 0,
  }),
];

const beforeRouting: RequestRow[] = [
  requestRow({ ts: at(), backend: null, model: null, outcome: 'cancelled', ...nothingMeasured }),
  requestRow({ ts: at(), backend: null, model: null, outcome: 'error', errorClass: 'NoBackendError', ...nothingMeasured }),
  requestRow({ ts: at(), backend: null, model: null, outcome: 'cancelled', ...nothingMeasured }),
];

/** Never in the per-backend statistics. */
const shadow = requestRow({
  ts: at(),
  backend: 'offload',
  model: 'codellama',
  outcome: 'answered',
  shadowOf: 'x',
  comparedWith: 'typed',
  shadowSimilarity: 1,
  shownSimilarity: 0,
  costUsd: 1,
});
/** Two days old: outside the default 24 h window. */
const old = requestRow({ id: 'old', ts: T0 - 2 * DAY, outcome: 'accepted', shownChars: 3, acceptedChars: 3, costUsd: 0 });

const ALL = [...localCompletion, ...localExplain, ...offloadCompletion, ...beforeRouting, shadow, old];

function snapshotOf(rows: readonly RequestRow[], params: MetricsSnapshotParams = {}, config: Partial<MetricsConfig> = {}): MetricsSnapshot {
  const recorder = openMetricsRecorder({
    dbPath: ':memory:',
    config: testMetricsConfig(config),
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: memoryLogger(),
    now: () => T0,
    flushDelayMs: 60_000,
  });
  try {
    for (const row of rows) recorder.record(row);
    return recorder.snapshot(params);
  } finally {
    recorder.close();
  }
}

function group(snapshot: MetricsSnapshot, backend: string, task: string): BackendStats {
  const found = [...snapshot.backends, ...snapshot.byTask].find((stats) => stats.backend === backend && stats.task === task);
  assert.ok(found, `no group ${backend} × ${task}`);
  return found;
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

describe('aggregate definitions over stored rows', () => {
  const withEvents = snapshotOf(ALL, {}, { showEvents: true });
  const local = group(withEvents, 'local', 'completion');

  it('groups by backend and task, and per backend over both tasks', () => {
    assert.deepEqual(
      withEvents.byTask.map((s) => `${s.backend}/${s.task}`),
      ['local/completion', 'local/explain', 'offload/completion'],
    );
    assert.deepEqual(
      withEvents.backends.map((s) => `${s.backend}/${s.task}`),
      ['local/all', 'offload/all'],
    );
    assert.equal(group(withEvents, 'local', 'all').requests, 12);
    assert.equal(group(withEvents, 'local', 'explain').requests, 2);
  });

  it('counts requests, errors, timeouts, cancellations, fallbacks and cache hits', () => {
    assert.equal(local.requests, 10);
    assert.equal(local.errors, 2);
    assert.equal(local.timeouts, 1, 'only the TimeoutError');
    assert.equal(local.cancelled, 1, 'cancelled while waiting on local');
    assert.equal(local.fallbacks, 0);
    assert.equal(group(withEvents, 'local', 'all').fallbacks, 1);
    assert.equal(local.cacheHits, 1);
    assert.equal(local.cacheHitRate, 0.1);
  });

  it('counts cancelled requests for the backend they waited on, or before routing', () => {
    const offload = group(withEvents, 'offload', 'all');
    assert.equal(offload.requests, 2, 'the shadow row is not counted');
    assert.equal(offload.cancelled, 1);
    assert.deepEqual(withEvents.beforeRouting, { requests: 3, cancelled: 2, errors: 1, superseded: 0, excluded: 0 });
  });

  it('summarizes latency and speed over non-cached generations only', () => {
    assert.equal(local.ttftMs.count, 6);
    assert.equal(local.ttftMs.mean, 35);
    assert.equal(local.ttftMs.p50, 35);
    assert.equal(local.ttftMs.min, 10);
    assert.equal(local.ttftMs.max, 60);
    // e2e sorted: 60 100 200 300 400 600
    assert.equal(local.e2eMs.count, 6);
    assert.equal(local.e2eMs.p50, 250);
    assert.deepEqual([local.tpotMs.count, local.tpotMs.mean], [2, 7.5]);
    assert.deepEqual([local.itlMs.count, local.itlMs.mean], [2, 6], 'over each request mean gap');
    assert.deepEqual([local.decodeTokensPerSecond.count, local.decodeTokensPerSecond.p50], [2, 150]);
    assert.deepEqual([local.promptTokensPerSecond.count, local.promptTokensPerSecond.max], [2, 1000]);
    assert.deepEqual([group(withEvents, 'local', 'all').ttftMs.count, group(withEvents, 'local', 'explain').e2eMs.p50], [8, 1500]);
  });

  it('counts returned, shown (displayed), accepted, partial, rejected and typed-out completions', () => {
    assert.equal(local.returned, 6);
    assert.equal(local.shown, 5, 'displayed = 1');
    assert.equal(local.accepted, 2);
    assert.equal(local.partiallyAccepted, 1);
    assert.equal(local.rejected, 1);
    assert.equal(local.typedOut, 1, 'the rejected row typed in full; not the accepted one, not the half-typed one');
    assert.equal(local.acceptanceRate, 3 / 5);
  });

  it('measures acceptance over returned completions when the editor reports no displays', () => {
    const withoutEvents = snapshotOf(ALL, {}, { showEvents: false });
    const stats = group(withoutEvents, 'local', 'completion');
    assert.equal(withoutEvents.showEvents, false);
    assert.equal(stats.shown, 6, 'shown = returned');
    assert.equal(stats.acceptanceRate, 3 / 6);
    assert.equal(withEvents.showEvents, true);
  });

  it('sums characters and weighs acceptance by them', () => {
    assert.equal(local.shownChars, 86);
    assert.equal(local.acceptedChars, 27);
    assert.equal(local.typedChars, 46);
    assert.equal(local.charAcceptanceRate, 27 / 86);
  });

  it('averages survival, counts syntax checks, feedback and grounding', () => {
    assert.equal(local.survival30s.count, 2);
    close(local.survival30s.mean, 0.6, 'survival30s');
    assert.deepEqual(local.survival120s, { count: 1, mean: 0.5 });
    assert.deepEqual([local.syntaxChecked, local.syntaxErrors], [2, 1]);
    const explain = group(withEvents, 'local', 'explain');
    assert.deepEqual([explain.feedbackUp, explain.feedbackDown], [1, 1]);
    assert.deepEqual(explain.grounding, { count: 2, mean: 0.75 });
    assert.equal(explain.acceptanceRate, 0, 'nothing shown: 0, not NaN');
  });

  it('sums tokens a backend processed and the rows stored cost', () => {
    assert.deepEqual([local.promptTokens, local.completionTokens], [600, 60], 'no cache hit, no unmeasured row');
    close(local.costUsd, 0.0155, 'cost');
    close(local.costPer1kRequests, (1000 * 0.0155) / 10, 'cost per 1k requests');
    close(local.costPer1kAcceptedChars, (1000 * 0.0155) / 27, 'cost per 1k accepted chars');
    close(group(withEvents, 'local', 'all').costUsd, 0.0455, 'both tasks');
    assert.equal(group(withEvents, 'offload', 'all').costPer1kAcceptedChars, 0, 'no accepted characters: 0');
  });

  it('names every model of a backend', () => {
    assert.equal(local.model, 'bundled');
    assert.equal(group(withEvents, 'offload', 'all').model, 'codellama');
  });

  it('covers the last 24 hours by default, never more than the retention, and lists the languages', () => {
    assert.deepEqual(withEvents.window, { sinceMs: T0 - DAY, untilMs: T0 });
    assert.deepEqual(withEvents.languages, ['python', 'typescript']);
    const wider = snapshotOf(ALL, { sinceMs: 0 });
    assert.equal(wider.window.sinceMs, T0 - 30 * DAY, 'clamped to retentionDays');
    assert.equal(group(wider, 'local', 'completion').requests, 11, 'the two-day-old row too');
    const until = snapshotOf(ALL, { sinceMs: 0, untilMs: T0 - DAY });
    assert.deepEqual(
      until.byTask.map((s) => [s.backend, s.task, s.requests]),
      [['local', 'completion', 1]],
    );
  });

  it('filters by task, language and backend, and echoes the filters', () => {
    const explain = snapshotOf(ALL, { task: 'explain' });
    assert.deepEqual(explain.filters, { task: 'explain' });
    assert.deepEqual(
      explain.backends.map((s) => [s.backend, s.requests]),
      [['local', 2]],
    );
    assert.deepEqual(explain.beforeRouting, { requests: 0, cancelled: 0, errors: 0, superseded: 0, excluded: 0 });
    const python = snapshotOf(ALL, { language: 'python' });
    assert.deepEqual(
      python.backends.map((s) => [s.backend, s.requests, s.cancelled]),
      [['offload', 1, 1]],
    );
    assert.deepEqual(python.languages, ['python', 'typescript'], 'the filter offers every language of the window');
    const offload = snapshotOf(ALL, { backend: 'offload' });
    assert.deepEqual(
      offload.backends.map((s) => s.backend),
      ['offload'],
    );
    assert.equal(offload.beforeRouting.requests, 0, 'rows without a backend match no backend filter');
    assert.ok(offload.recent.every((row) => row.backend === 'offload'));
  });

  it('keeps shadow rows apart', () => {
    assert.equal(withEvents.shadow?.[0]?.requests, 1);
    assert.equal(snapshotOf([shadow]).backends.length, 0);
  });

  it('gives an empty snapshot over no rows', () => {
    const empty = snapshotOf([]);
    assert.deepEqual([empty.backends, empty.byTask, empty.languages], [[], [], []]);
    assert.deepEqual(empty.beforeRouting, { requests: 0, cancelled: 0, errors: 0, superseded: 0, excluded: 0 });
  });
});

describe('the recorder prices rows recorded without a cost', () => {
  it('uses priceRow with the configured basis and stores the basis', () => {
    const cost = { ...testMetricsConfig().cost, offload: { inputPerMillionTokens: 2, outputPerMillionTokens: 4, gpuHourPrice: 0 } };
    const row = requestRow({ ts: at(), backend: 'offload', model: 'm', promptTokens: 1_000_000, completionTokens: 500_000 });
    const snapshot = snapshotOf([row], {}, { cost });
    assert.equal(snapshot.backends[0]?.costUsd, 4);
    assert.equal(snapshot.recent[0]?.costUsd, 4);
    assert.match(snapshot.recent[0]?.costBasis ?? '', /"kind":"offload-tokens"/);
    const given = snapshotOf([{ ...row, costUsd: 0.5, costBasis: '{"kind":"none"}' }], {}, { cost });
    assert.equal(given.backends[0]?.costUsd, 0.5, 'a row that carries its cost keeps it');
  });
});
