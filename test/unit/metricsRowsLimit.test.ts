/**
 * `tandem/metrics/rows` with `limit` (the panel's charts): the newest rows of the window and
 * filters, read newest first by SQL, returned oldest first like an export; without `limit`
 * every row (exports).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';

const NOW = 1_800_000_000_000;

function recorderWithRows() {
  const recorder = openMetricsRecorder({
    dbPath: ':memory:',
    config: testMetricsConfig(),
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: silentLogger,
    now: () => NOW,
  });
  for (let i = 0; i < 10; i++) {
    recorder.record(requestRow({ id: `r${i}`, ts: NOW - 60_000 + i * 1000, task: i % 3 === 0 ? 'explain' : 'completion' }));
  }
  return recorder;
}

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe('metrics rows with a limit', () => {
  it('returns the newest `limit` rows of the window, oldest first, as the tail of the full list', () => {
    const recorder = recorderWithRows();
    try {
      const all = recorder.rows({ sinceMs: 0 });
      assert.equal(all.length, 10);
      assert.deepEqual(ids(recorder.rows({ sinceMs: 0, limit: 3 })), ['r7', 'r8', 'r9']);
      assert.deepEqual(recorder.rows({ sinceMs: 0, limit: 3 }), all.slice(-3));
      assert.deepEqual(recorder.rows({ sinceMs: 0, limit: 50 }), all, 'a limit above the count is every row');
      assert.deepEqual(recorder.rows({ sinceMs: 0, limit: 0 }), []);
    } finally {
      recorder.close();
    }
  });

  it('applies the filters before the limit, and rows not yet written count too', () => {
    const recorder = recorderWithRows();
    try {
      assert.deepEqual(ids(recorder.rows({ sinceMs: 0, task: 'explain', limit: 2 })), ['r6', 'r9']);
      // Recorded after the others were written: the newest row, still ahead of the database.
      recorder.record(requestRow({ id: 'late', ts: NOW - 500 }));
      recorder.updateOutcome('r9', 'accepted', 4);
      const newest = recorder.rows({ sinceMs: 0, limit: 2 });
      assert.deepEqual(ids(newest), ['r9', 'late']);
      assert.equal(newest[0]?.outcome, 'accepted', 'a later update of a row shows in it');
    } finally {
      recorder.close();
    }
  });
});
