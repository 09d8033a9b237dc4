import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPanelView } from '../../../extension/src/panelViewModel';
import { backendStats, requestRow, snapshot, summary } from './snapshotFixtures';

const formatTime = (ms: number): string => `t${ms}`;

function valueOf(view: ReturnType<typeof buildPanelView>, label: string): string[] {
  const row = view.stats.find((stat) => stat.label === label);
  assert.ok(row, `no row ${label}`);
  return row.values;
}

describe('buildPanelView', () => {
  it('always shows local and offload side by side, greying out an unused backend', () => {
    const view = buildPanelView(snapshot({ backends: [backendStats({ backend: 'local', requests: 3 })] }), { formatTime });
    assert.deepEqual(
      view.columns.map((column) => [column.backend, column.model, column.used]),
      [
        ['local', 'local-model', true],
        ['offload', '—', false],
      ],
    );
    assert.deepEqual(valueOf(view, 'Requests'), ['3', '—']);
  });

  it('orders local before offload and keeps one column per model', () => {
    const view = buildPanelView(
      snapshot({
        backends: [
          backendStats({ backend: 'offload', model: 'codellama-7b' }),
          backendStats({ backend: 'local', model: 'a' }),
          backendStats({ backend: 'local', model: 'b' }),
        ],
      }),
      { formatTime },
    );
    assert.deepEqual(view.columns.map((column) => `${column.backend}:${column.model}`), ['local:a', 'local:b', 'offload:codellama-7b']);
  });

  it('formats the per-backend statistics', () => {
    const local = backendStats({
      backend: 'local',
      requests: 1200,
      cacheHitRate: 0.25,
      ttftMs: summary({ count: 10, p50: 40, p95: 95 }),
      e2eMs: summary({ count: 10, p50: 120, p95: 1500 }),
      tokensPerSecond: summary({ count: 10, p50: 85.25 }),
      shown: 10,
      accepted: 3,
      partiallyAccepted: 1,
      acceptanceRate: 0.4,
      errors: 2,
      fallbacks: 0,
      promptTokens: 5000,
      completionTokens: 300,
      costUsd: 0.0012,
    });
    const offload = backendStats({ backend: 'offload', requests: 2 });
    const view = buildPanelView(snapshot({ backends: [offload, local] }), { formatTime });
    assert.deepEqual(valueOf(view, 'Requests'), ['1,200', '2']);
    assert.deepEqual(valueOf(view, 'Cache hit rate'), ['25%', '0%']);
    assert.deepEqual(valueOf(view, 'TTFT p50'), ['40 ms', '—']);
    assert.deepEqual(valueOf(view, 'TTFT p95'), ['95 ms', '—']);
    assert.deepEqual(valueOf(view, 'E2E p50'), ['120 ms', '—']);
    assert.deepEqual(valueOf(view, 'E2E p95'), ['1.50 s', '—']);
    assert.deepEqual(valueOf(view, 'Tokens/s (p50)'), ['85.3 tok/s', '—']);
    assert.deepEqual(valueOf(view, 'Acceptance'), ['40% (4 of 10 shown, 1 partial)', '—']);
    assert.deepEqual(valueOf(view, 'Errors'), ['2', '0']);
    assert.deepEqual(valueOf(view, 'Tokens (prompt / completion)'), ['5,000 / 300', '0 / 0']);
    assert.deepEqual(valueOf(view, 'Cost'), ['$0.0012', '$0']);
    for (const row of view.stats) assert.equal(row.values.length, view.columns.length, row.label);
  });

  it('summarises the cache tiers', () => {
    assert.equal(buildPanelView(snapshot(), { formatTime }).cacheSummary, 'Cache: no lookups yet.');
    const view = buildPanelView(snapshot({ cache: { l1Hits: 2, l2Hits: 1, typingHits: 1, misses: 4 } }), { formatTime });
    assert.equal(view.cacheSummary, 'Cache: 50% hits (memory 2, disk 1, typing-along 1, misses 4).');
  });

  it('lists recent requests newest first with errors and fallbacks marked', () => {
    const rows = [
      requestRow({ id: 'old', ts: 10 }),
      requestRow({ id: 'err', ts: 30, backend: null, model: null, e2eMs: null, ttftMs: null, tokensPerSecond: null, outcome: 'error', errorClass: 'BackendUnavailableError' }),
      requestRow({ id: 'fb', ts: 20, cacheTier: 'l2', outcome: 'partial', acceptedChars: 7, fallbackReason: 'offload: HTTP 503' }),
    ];
    const view = buildPanelView(snapshot({ recent: rows }), { formatTime });
    assert.deepEqual(view.recent.map((row) => row.id), ['err', 'fb', 'old']);
    const [error, fallback, old] = view.recent;
    assert.equal(error?.tone, 'error');
    assert.equal(error?.backend, '—');
    assert.equal(error?.e2e, '—');
    assert.equal(error?.note, 'BackendUnavailableError');
    assert.equal(fallback?.tone, 'fallback');
    assert.equal(fallback?.cache, 'l2');
    assert.equal(fallback?.outcome, 'partial (7 chars)');
    assert.equal(fallback?.note, 'offload: HTTP 503');
    assert.equal(old?.time, 't10');
    assert.equal(old?.cache, '—');
    assert.equal(old?.ttft, '40 ms');
    assert.equal(old?.rate, '110.0 tok/s');
    assert.equal(view.chart.requestCount, 2);
    assert.equal(view.generatedAt, 't1700000100000');
  });
});
