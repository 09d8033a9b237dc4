/**
 * `tandem report` reads a metrics database without changing it: rows past the retention are not
 * pruned, an older schema is not migrated in place, the file's bytes stay the same; and whether
 * acceptance is over displayed completions comes from the rows.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { silentLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { METRICS_MIGRATIONS } from '../../server/src/metrics/store';
import type { MetricsSnapshot, RequestRow } from '../../server/src/protocol';
import { reportMain } from '../../server/src/reportMain';
import { migrate } from '../../server/src/storage/migrations';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';
import { countRows } from '../support/sqliteRows';

const DAY = 24 * 3600 * 1000;
const dir = mkdtempSync(join(tmpdir(), 'tandem-report-ro-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeDb(name: string, rows: RequestRow[]): string {
  const db = join(dir, name);
  const recorder = openMetricsRecorder({
    dbPath: db,
    config: testMetricsConfig(),
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: silentLogger,
  });
  for (const row of rows) recorder.record(row);
  recorder.close();
  return db;
}

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function reportJson(db: string): Promise<MetricsSnapshot> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (text: string) => lines.push(text);
  try {
    assert.equal(await reportMain(['--db', db, '--json']), 0);
  } finally {
    console.log = log;
  }
  return JSON.parse(lines.join('\n')) as MetricsSnapshot;
}

describe('tandem report on a database', () => {
  it('prunes nothing and leaves the file as it was', async () => {
    const now = Date.now();
    // Older than the default retention: the server would prune it, a report must not.
    const db = writeDb('old-rows.db', [requestRow({ id: 'ancient', ts: now - 400 * DAY }), requestRow({ id: 'recent', ts: now - 1000 })]);
    const before = hash(db);
    const snapshot = await reportJson(db);
    assert.equal(snapshot.backends[0]?.requests, 1, 'the report covers the retained window only');
    assert.equal(countRows(db, 'requests'), 2);
    assert.equal(hash(db), before);
  });

  it('reads an older schema through a copy, never migrating the file', async () => {
    const db = join(dir, 'old-schema.db');
    const raw = new Database(db);
    migrate(raw, METRICS_MIGRATIONS.slice(0, 1));
    raw
      .prepare(
        `INSERT INTO requests (id, ts, task, language, policy, decision, backend, model, cache_tier, outcome)
      VALUES ('v1', ?, 'completion', 'go', 'auto', 'old', 'local', 'bundled', 'none', 'shown')`,
      )
      .run(Date.now() - 1000);
    raw.close();
    const before = hash(db);
    const snapshot = await reportJson(db);
    assert.equal(snapshot.backends[0]?.requests, 1);
    assert.equal(hash(db), before);
    const check = new Database(db, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 1);
    check.close();
  });

  it('measures acceptance over displayed completions when the rows say the editor reported them', async () => {
    const ts = Date.now() - 5000;
    const withShows = writeDb('shows.db', [
      requestRow({ ts, outcome: 'accepted', acceptedChars: 4, displayed: 1 }),
      requestRow({ ts, outcome: 'rejected', displayed: 1 }),
      requestRow({ ts, outcome: 'shown' }),
    ]);
    const shown = await reportJson(withShows);
    assert.equal(shown.showEvents, true);
    assert.equal(shown.backends[0]?.shown, 2);
    assert.equal(shown.backends[0]?.acceptanceRate, 0.5);

    const withoutShows = writeDb('returned.db', [
      requestRow({ ts, outcome: 'accepted', acceptedChars: 4 }),
      requestRow({ ts, outcome: 'shown' }),
      requestRow({ ts, outcome: 'shown' }),
    ]);
    const returned = await reportJson(withoutShows);
    assert.equal(returned.showEvents, false);
    assert.equal(returned.backends[0]?.shown, 3);
  });
});
