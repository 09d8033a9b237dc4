/** Shadow rows in a real metrics.db: the schema upgrade, the stored comparison, the snapshot's aggregate. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { METRICS_MIGRATIONS } from '../../server/src/metrics/store';
import { requestRow } from '../support/requestRow';
import { testMetricsConfig } from '../support/metricsConfig';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shadow-metrics-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const T0 = Date.UTC(2025, 5, 1);

function open(dbPath: string) {
  const log = memoryLogger();
  const recorder = openMetricsRecorder({
    dbPath,
    config: testMetricsConfig(),
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log,
    now: () => T0,
    flushDelayMs: 60_000,
  });
  return Object.assign(recorder, { memoryLog: log });
}

// Rows that carry their cost are stored as given (the recorder prices only rows without one).
const PRICED = { costUsd: 0.001, costBasis: '{"kind":"none"}' };

const shadowRow = requestRow({
  ...PRICED,
  id: 'shadow-1',
  ts: T0 - 100,
  decision: 'shadow of shown-1',
  backend: 'offload',
  model: 'codellama',
  outcome: 'answered',
  shadowOf: 'shown-1',
  comparedWith: 'typed',
  shadowSimilarity: 0.9,
  shownSimilarity: 0.4,
  shadowFirstLineMatch: 1,
  shownFirstLineMatch: 0,
});

describe('shadow rows in the metrics store', () => {
  it('upgrades a version-1 database, keeps old rows as they were, and stores the comparison', () => {
    const dbPath = path.join(root, 'upgrade.db');
    const old = new Database(dbPath);
    METRICS_MIGRATIONS[0]?.up(old);
    old.pragma('user_version = 1');
    old.close();
    const before = requestRow({ ...PRICED, id: 'before', ts: T0 - 200 });
    const recorder = open(dbPath);
    assert.deepEqual(recorder.storage.warnings, []);
    recorder.record(before);
    recorder.record(shadowRow);
    recorder.close();

    const reopened = open(dbPath);
    assert.deepEqual(reopened.snapshot().recent, [shadowRow, before], 'a row without shadow fields reads back without them');
    assert.deepEqual(reopened.rows(), [before, shadowRow]);
    reopened.close();
    const check = new Database(dbPath);
    assert.equal(check.pragma('user_version', { simple: true }), METRICS_MIGRATIONS.length);
    check.close();
  });

  it('aggregates shadow rows in the snapshot, queued and stored alike, and leaves the field out when there are none', () => {
    const recorder = open(':memory:');
    recorder.record(requestRow({ ts: T0 - 300 }));
    assert.equal(recorder.snapshot().shadow, undefined);
    recorder.record(shadowRow);
    recorder.flush();
    recorder.record(
      requestRow({ id: 'shadow-2', ts: T0 - 50, backend: 'offload', shadowOf: 'shown-2', outcome: 'cancelled', ttftMs: null, e2eMs: null }),
    );
    const [stats] = recorder.snapshot().shadow ?? [];
    assert.equal(stats?.backend, 'offload');
    assert.equal(stats?.shownBackend, 'local');
    assert.equal(stats?.requests, 2);
    assert.equal(stats?.cancelled, 1);
    assert.equal(stats?.compared, 1);
    assert.equal(stats?.shadowSimilarity, 0.9);
    assert.equal(stats?.shownSimilarity, 0.4);
    assert.equal(stats?.shadowFirstLineMatchRate, 1);
    assert.equal(stats?.shownFirstLineMatchRate, 0);
    recorder.close();
  });
});
