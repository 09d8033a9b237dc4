/**
 * Two snapshot additions and their lines in the panel: cache hits per tier per (backend, task)
 * from the rows' cache_tier, and the local model's memory as measured at load.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadMemory } from '../../server/src/backends/local/loadMemory';
import { silentLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import type { ModelMemory } from '../../server/src/protocol';
import { buildStatsTable } from '../../webview/panel/statsModel';
import { backendStats, snapshot } from './extension/snapshotFixtures';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';

const MB = 1024 * 1024;

describe('cache hits per tier', () => {
  it('counts l1, l2 and typing hits per backend and task from the rows', () => {
    const ts = Date.now() - 1000;
    const recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: testMetricsConfig(),
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log: silentLogger,
    });
    try {
      for (const cacheTier of ['l1', 'l1', 'l2', 'typing', 'none'] as const) recorder.record(requestRow({ ts, cacheTier }));
      recorder.record(requestRow({ ts, cacheTier: 'l2', task: 'explain', outcome: 'answered' }));
      recorder.record(requestRow({ ts, cacheTier: 'l1', backend: 'offload' }));
      const result = recorder.snapshot();
      const find = (backend: string, task: string) =>
        [...result.backends, ...result.byTask].find((s) => s.backend === backend && s.task === task);
      assert.deepEqual(find('local', 'completion')?.cacheHitsByTier, { l1: 2, l2: 1, typing: 1 });
      assert.deepEqual(find('local', 'explain')?.cacheHitsByTier, { l1: 0, l2: 1, typing: 0 });
      assert.deepEqual(find('local', 'all')?.cacheHitsByTier, { l1: 2, l2: 2, typing: 1 });
      assert.equal(find('local', 'all')?.cacheHits, 5);
      assert.deepEqual(find('offload', 'all')?.cacheHitsByTier, { l1: 1, l2: 0, typing: 0 });
    } finally {
      recorder.close();
    }
  });

  it('shows the tiers next to the hit rate in the panel table', () => {
    const local = backendStats({
      backend: 'local',
      requests: 10,
      cacheHits: 4,
      cacheHitRate: 0.4,
      cacheHitsByTier: { l1: 3, l2: 0, typing: 1 },
    });
    const table = buildStatsTable(snapshot({ backends: [local], byTask: [{ ...local, task: 'completion' }] }));
    const row = table.groups[0]?.rows.find((r) => r.label === 'Cache hit rate');
    assert.equal(row?.values[0], '40% (4: memory 3, typing 1)');
  });
});

describe('model memory measured at load', () => {
  it('keeps RSS and external memory from the start of a load to its end, per task', () => {
    const readings = [
      { rss: 100 * MB, external: 5 * MB },
      { rss: 350 * MB, external: 9 * MB },
    ];
    const memory = new LoadMemory(() => readings.shift() ?? { rss: 0, external: 0 });
    memory.loaded('explain', 'never started');
    memory.loadStarted('completion');
    memory.loaded('completion', 'tandem-tiny');
    assert.deepEqual(memory.all(), [
      {
        backend: 'local',
        model: 'tandem-tiny',
        measuredAt: 'load',
        rssBeforeBytes: 100 * MB,
        rssAfterBytes: 350 * MB,
        externalBeforeBytes: 5 * MB,
        externalAfterBytes: 9 * MB,
      },
    ]);
  });

  it('is in the snapshot memory and on the panel memory line', () => {
    const models: ModelMemory[] = [
      {
        backend: 'local',
        model: 'tandem-tiny',
        measuredAt: 'load',
        rssBeforeBytes: 100 * MB,
        rssAfterBytes: 350 * MB,
        externalBeforeBytes: 5 * MB,
        externalAfterBytes: 9 * MB,
      },
    ];
    const recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: testMetricsConfig(),
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log: silentLogger,
      modelMemory: () => models,
    });
    try {
      assert.deepEqual(recorder.snapshot().memory?.models, models);
    } finally {
      recorder.close();
    }
    const table = buildStatsTable(snapshot({ memory: { rssBytes: 400 * MB, heapUsedBytes: 50 * MB, externalBytes: 10 * MB, models } }));
    assert.ok(
      table.notes.includes(
        'Model memory, measured at load: tandem-tiny (local) added 250 MB resident and 4.0 MB external (100 MB → 350 MB resident).',
      ),
      table.notes.join('\n'),
    );
  });
});
