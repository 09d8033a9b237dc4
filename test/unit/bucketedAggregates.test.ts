/**
 * The snapshot's cached time buckets (metrics/bucketedAggregates.ts) give the same statistics as
 * the SQL over the whole window, after inserts, updates, prunes, resets and writes by another
 * connection to the same file; and summarizeRuns equals summarizing the merged values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BUCKET_MS } from '../../server/src/metrics/bucketedAggregates';
import { mergeSortedRuns, sortedFinite, summarizeRuns, summarizeSorted } from '../../server/src/metrics/percentiles';
import type { RowQuery, StoredRequest } from '../../server/src/metrics/rowStore';
import { METRICS_MIGRATIONS, SqliteRowStore } from '../../server/src/metrics/store';
import { finishAggregate } from '../../server/src/metrics/tally';
import type { Outcome, RequestRow } from '../../server/src/protocol';
import { migrate } from '../../server/src/storage/migrations';
import { requestRow } from '../support/requestRow';

const HOUR = 3600 * 1000;
// Not on a bucket boundary, so the window has a head and a tail.
const NOW = Date.UTC(2025, 5, 1, 12, 7, 13);
const OUTCOMES: Outcome[] = ['shown', 'accepted', 'partial', 'rejected', 'empty', 'cancelled', 'error'];

function stored(row: RequestRow): StoredRequest {
  return { row, promptHash: null, completionHash: null, prompt: null, completion: null };
}

/** 600 rows over the 25 hours before NOW and one minute after, every field varied. */
function rows(): RequestRow[] {
  return Array.from({ length: 600 }, (_, i) =>
    requestRow({
      id: `b-${i}`,
      ts: NOW - 25 * HOUR + Math.floor(((i * 7919) % 600) * ((26 * HOUR) / 600)),
      backend: i % 11 === 0 ? null : i % 3 === 0 ? 'offload' : 'local',
      task: i % 5 === 0 ? 'explain' : 'completion',
      language: ['typescript', 'python', 'go'][i % 3] as string,
      outcome: OUTCOMES[i % OUTCOMES.length] as Outcome,
      cacheTier: i % 9 === 0 ? 'l1' : i % 13 === 0 ? 'l2' : 'none',
      ttftMs: 10 + ((i * 37) % 300),
      e2eMs: 100 + ((i * 53) % 900),
      tpotMs: 1 + (i % 17),
      displayed: i % 2 === 0 ? 1 : undefined,
      shownChars: 10 + (i % 20),
      costUsd: 0.0001 * (i % 7),
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-buckets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Two connections to one new file: `cached` (buckets kept) and `plain` (the SQL each time). */
function pair(name: string): { cached: SqliteRowStore; plain: SqliteRowStore; close(): void } {
  const file = join(dir, `${name}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db, METRICS_MIGRATIONS);
  const cached = new SqliteRowStore(db, { now: () => NOW });
  const plain = new SqliteRowStore(new Database(file), { cacheBuckets: false, now: () => NOW });
  return { cached, plain, close: () => (cached.close(), plain.close()) };
}

/** Finished statistics with floats rounded: bucket sums may differ from one sum in the last bits. */
function stats(store: SqliteRowStore, query: RowQuery): unknown {
  const aggregate = store.aggregate(query);
  const round = (value: unknown): unknown =>
    typeof value === 'number'
      ? Number(value.toPrecision(10))
      : Array.isArray(value)
        ? value.map(round)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v)]))
          : value;
  return round({ ...finishAggregate(aggregate, true), beforeRouting: aggregate.beforeRouting, languages: aggregate.languages });
}

describe('cached time buckets', () => {
  const window: RowQuery = { sinceMs: NOW - 24 * HOUR };

  it('equal the whole-window SQL, with and without filters, as the window slides', () => {
    const { cached, plain, close } = pair('equal');
    try {
      cached.write({ inserts: rows().map(stored), updates: [] });
      for (const query of [
        window,
        { ...window, language: 'python' },
        { ...window, backend: 'offload' as const },
        { ...window, task: 'explain' as const },
        { sinceMs: NOW - 3 * HOUR, untilMs: NOW - HOUR },
      ]) {
        assert.deepEqual(stats(cached, query), stats(plain, query));
        // Again, from the cache this time.
        assert.deepEqual(stats(cached, query), stats(plain, query));
      }
      const later: RowQuery = { sinceMs: window.sinceMs + 2 * BUCKET_MS + 1234 };
      assert.deepEqual(stats(cached, later), stats(plain, later));
    } finally {
      close();
    }
  });

  it('see inserts and updates of rows in buckets already kept, and prunes and resets', () => {
    const { cached, plain, close } = pair('changes');
    try {
      const all = rows();
      cached.write({ inserts: all.map(stored), updates: [] });
      assert.deepEqual(stats(cached, window), stats(plain, window));
      const old = all.find((row) => row.ts > NOW - 20 * HOUR && row.ts < NOW - 19 * HOUR && row.backend === 'local');
      assert.ok(old);
      cached.write({
        inserts: [stored(requestRow({ id: 'late', ts: NOW - 18 * HOUR, backend: 'offload', outcome: 'accepted', ttftMs: 5000 }))],
        updates: [{ id: old.id, patch: { outcome: 'accepted', acceptedChars: 3, survival30s: 0.5 } }],
      });
      // A repeated id replaces the row: its old bucket changes too.
      cached.write({ inserts: [stored({ ...old, ts: NOW - 2 * HOUR })], updates: [] });
      assert.deepEqual(stats(cached, window), stats(plain, window));
      assert.equal(
        (stats(cached, window) as { backends: Array<{ ttftMs: { max: number } }> }).backends.some((s) => s.ttftMs.max === 5000),
        true,
      );
      cached.deleteOlderThan(NOW - 12 * HOUR);
      assert.deepEqual(stats(cached, window), stats(plain, window));
      cached.deleteAll();
      assert.deepEqual(stats(cached, window), stats(plain, window));
      assert.deepEqual((stats(cached, window) as { backends: unknown[] }).backends, []);
    } finally {
      close();
    }
  });

  it('see rows another connection wrote into buckets already kept', () => {
    const { cached, plain, close } = pair('external');
    try {
      cached.write({ inserts: rows().map(stored), updates: [] });
      const before = stats(cached, window);
      plain.write({ inserts: [stored(requestRow({ id: 'other-window', ts: NOW - 10 * HOUR, outcome: 'error' }))], updates: [] });
      const afterWrite = stats(cached, window);
      assert.notDeepEqual(afterWrite, before);
      assert.deepEqual(afterWrite, stats(plain, window));
    } finally {
      close();
    }
  });
});

describe('summarizeRuns', () => {
  it('gives the summary of the merged runs without merging them', () => {
    const runs = [[5, 1, 9, 9, 3], [2, 2, 8], [], [7, 1, 100, 4, 4, 4, 6], [0.5]].map((values) => sortedFinite(values));
    const merged = summarizeSorted(mergeSortedRuns(runs));
    const selected = summarizeRuns(runs);
    assert.deepEqual({ ...selected, mean: 0 }, { ...merged, mean: 0 });
    assert.ok(Math.abs(selected.mean - merged.mean) < 1e-12);
    assert.deepEqual(summarizeRuns([]), summarizeSorted(new Float64Array(0)));
    assert.deepEqual([...mergeSortedRuns(runs)], [0.5, 1, 1, 2, 2, 3, 4, 4, 4, 5, 6, 7, 8, 9, 9, 100]);
  });
});
