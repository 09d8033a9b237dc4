/** The metrics recorder over a real metrics.db: rows, outcomes, privacy, retention, locks. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import {
  openMetricsRecorder,
  type OpenMetricsRecorderOptions,
} from '../../server/src/metrics/openMetricsRecorder';
import { aggregateByBackend } from '../../server/src/metrics/aggregates';
import type { CacheTier, Outcome, RequestRow } from '../../server/src/protocol';
import { requestRow } from '../support/requestRow';

const DAY = 24 * 3600 * 1000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-metrics-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDb = () => path.join(fs.mkdtempSync(path.join(root, `case-${++counter}-`)), 'metrics.db');
const T0 = Date.UTC(2025, 5, 1);

function open(dbPath: string, overrides: Partial<OpenMetricsRecorderOptions> = {}, storePrompts = false) {
  const log = memoryLogger();
  const recorder = openMetricsRecorder({
    dbPath,
    config: { storePrompts, retentionDays: 30, pricePerMillionTokens: 1 },
    cacheCounters: () => ({ l1Hits: 4, l2Hits: 3, typingHits: 2, misses: 1 }),
    log,
    now: () => T0,
    // Long enough that no test depends on the timer: flushes happen on snapshot and close.
    flushDelayMs: 60_000,
    ...overrides,
  });
  return Object.assign(recorder, { memoryLog: log });
}

/** Every byte SQLite keeps for this database: the file and its write-ahead log. */
function bytesOnDisk(dbPath: string): Buffer {
  return Buffer.concat(
    [dbPath, `${dbPath}-wal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file)),
  );
}

describe('metrics recorder', () => {
  it('stores every RequestRow field and reads it back after a restart', () => {
    const dbPath = freshDb();
    const row: RequestRow = requestRow({
      ts: T0 - 1000,
      task: 'explain',
      language: 'python',
      policy: 'offload',
      decision: 'explain → offload',
      backend: 'offload',
      model: 'codellama-7b-instruct',
      cacheTier: 'none',
      promptTokens: 321,
      completionTokens: 123,
      tokenSource: 'server',
      ttftMs: 210.5,
      e2eMs: 2345.25,
      tokensPerSecond: 55.5,
      outcome: 'answered',
      acceptedChars: null,
      errorClass: null,
      fallbackReason: 'local model not loaded',
    });
    const failed = requestRow({ ts: T0 - 500, backend: null, model: null, tokenSource: null, outcome: 'error', errorClass: 'NoBackendError', ttftMs: null, e2eMs: null, tokensPerSecond: null, promptTokens: null, completionTokens: null });
    const first = open(dbPath);
    first.record(row, { prompt: 'explain this', completion: 'it adds' });
    first.record(failed);
    first.close();
    const second = open(dbPath);
    assert.deepEqual(second.snapshot().recent, [failed, row]);
    second.close();
  });

  it('snapshots per-backend stats, cache counters and the newest rows first', () => {
    const recorder = open(':memory:');
    for (let i = 0; i < 5; i++) recorder.record(requestRow({ ts: T0 - 5000 + i, e2eMs: 100 * (i + 1) }));
    recorder.record(requestRow({ ts: T0 - 10, backend: 'offload', model: 'm', promptTokens: 900_000, completionTokens: 100_000 }));
    const snapshot = recorder.snapshot({ recent: 3 });
    assert.equal(snapshot.generatedAt, T0);
    assert.deepEqual(snapshot.cache, { l1Hits: 4, l2Hits: 3, typingHits: 2, misses: 1 });
    assert.deepEqual(snapshot.recent.map((row) => row.ts), [T0 - 10, T0 - 5000 + 4, T0 - 5000 + 3]);
    const [local, offload] = snapshot.backends;
    assert.equal(local?.requests, 5);
    assert.equal(local?.e2eMs.p50, 300);
    assert.equal(offload?.costUsd, 1);
    assert.equal(recorder.snapshot({ sinceMs: T0 - 5000 + 3 }).backends[0]?.requests, 2);
    assert.deepEqual(recorder.snapshot({ recent: 0 }).recent, []);
    recorder.close();
  });

  it('computes the same per-backend stats in SQL as aggregateByBackend does over the rows', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath);
    const rows = variedRows(3000);
    rows.forEach((row, index) => {
      recorder.record(row);
      if (index % 500 === 0) recorder.flush();
    });
    recorder.flush();
    recorder.record(requestRow({ ts: T0, backend: 'offload', model: 'queued-model', e2eMs: 1 }));
    const expected = aggregateByBackend(recorder.rows(), { pricePerMillionTokens: 1 });
    assert.equal(expected.length, 2);
    assert.deepEqual(recorder.snapshot().backends, expected);
    recorder.close();
  });

  it('keeps its per-backend stats current across writes, outcome updates and other writers', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath);
    const rows = variedRows(400);
    const check = (why: string) =>
      assert.deepEqual(recorder.snapshot().backends, aggregateByBackend(recorder.rows(), { pricePerMillionTokens: 1 }), why);
    rows.slice(0, 200).forEach((row) => recorder.record(row));
    check('first snapshot');
    rows.slice(200).forEach((row) => recorder.record(row));
    check('after more rows');
    const shownIds = rows.filter((row) => row.outcome === 'shown').map((row) => row.id);
    recorder.updateOutcome(shownIds[0] ?? '', 'accepted', 4);
    recorder.updateOutcome(shownIds[1] ?? '', 'partial', 2);
    recorder.updateOutcome(shownIds[2] ?? '', 'rejected');
    check('after outcome updates that only move counters');
    recorder.updateOutcome(shownIds[3] ?? '', 'error');
    check('after an update that removes a generation from the latency summaries');
    recorder.updateOutcome('unknown-id', 'accepted');
    check('after an update of an unknown row');
    const other = new Database(dbPath);
    other
      .prepare(
        `INSERT INTO requests (id, ts, task, language, policy, decision, backend, model, cache_tier,
           outcome, e2e_ms) VALUES ('from-another-window', ?, 'completion', 'go', 'auto', 'x',
           'local', 'bundled', 'none', 'accepted', 42)`,
      )
      .run(T0 - 1);
    other.close();
    check('after another connection wrote');
    assert.ok(recorder.rows().some((row) => row.id === 'from-another-window'));
    recorder.close();
  });

  it('drops pruned rows from its stats', () => {
    let now = T0;
    const recorder = open(':memory:', { now: () => now });
    recorder.record(requestRow({ ts: T0 - 29 * DAY }));
    recorder.record(requestRow({ ts: T0 - DAY }));
    assert.equal(recorder.snapshot().backends[0]?.requests, 2);
    now += 2 * DAY;
    recorder.record(requestRow({ ts: now }));
    assert.equal(recorder.snapshot().backends[0]?.requests, 2, 'one aged out, one arrived');
    recorder.close();
  });

  it('updates outcomes of queued and of written rows', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath);
    const written = requestRow({ ts: T0 - 2 });
    recorder.record(written);
    recorder.snapshot();
    const queued = requestRow({ ts: T0 - 1 });
    recorder.record(queued);
    recorder.updateOutcome(queued.id, 'partial', 7);
    recorder.updateOutcome(written.id, 'accepted', 12);
    recorder.updateOutcome('no-such-request', 'rejected');
    recorder.close();
    const reopened = open(dbPath);
    const byId = new Map(reopened.snapshot().recent.map((row) => [row.id, row]));
    assert.deepEqual([byId.get(written.id)?.outcome, byId.get(written.id)?.acceptedChars], ['accepted', 12]);
    assert.deepEqual([byId.get(queued.id)?.outcome, byId.get(queued.id)?.acceptedChars], ['partial', 7]);
    assert.equal(reopened.snapshot().backends[0]?.acceptanceRate, 1);
    reopened.close();
  });

  it('keeps prompts and completions off disk by default, storing only their hashes', () => {
    const dbPath = freshDb();
    const prompt = 'SECRET-PROMPT-7f3a: def transfer(account, amount):';
    const completion = 'SECRET-COMPLETION-9c1b: return ledger.move(account, amount)';
    const recorder = open(dbPath);
    recorder.record(requestRow({ ts: T0 }), { prompt, completion });
    recorder.close();
    const bytes = bytesOnDisk(dbPath);
    assert.equal(bytes.includes('SECRET-PROMPT-7f3a'), false);
    assert.equal(bytes.includes('SECRET-COMPLETION-9c1b'), false);
    const db = new Database(dbPath, { readonly: true });
    const stored = db.prepare('SELECT prompt_hash, completion_hash, prompt, completion FROM requests').get();
    db.close();
    assert.deepEqual(stored, {
      prompt_hash: createHash('sha256').update(prompt).digest('hex'),
      completion_hash: createHash('sha256').update(completion).digest('hex'),
      prompt: null,
      completion: null,
    });
  });

  it('stores the text when storePrompts is on', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath, {}, true);
    recorder.record(requestRow({ ts: T0 }), { prompt: 'VISIBLE-PROMPT-1', completion: 'VISIBLE-COMPLETION-1' });
    recorder.close();
    const bytes = bytesOnDisk(dbPath);
    assert.ok(bytes.includes('VISIBLE-PROMPT-1'));
    assert.ok(bytes.includes('VISIBLE-COMPLETION-1'));
  });

  it('forgets rows older than retentionDays', () => {
    const dbPath = freshDb();
    const first = open(dbPath);
    first.record(requestRow({ id: 'old', ts: T0 - 20 * DAY }));
    first.record(requestRow({ id: 'new', ts: T0 - 1 * DAY }));
    first.close();
    const later = open(dbPath, { now: () => T0 + 15 * DAY });
    assert.deepEqual(later.snapshot().recent.map((row) => row.id), ['new']);
    later.close();
    const db = new Database(dbPath, { readonly: true });
    assert.deepEqual(db.prepare('SELECT id FROM requests').all(), [{ id: 'new' }]);
    db.close();
  });

  it('creates indexes on ts and backend', () => {
    const dbPath = freshDb();
    open(dbPath).close();
    const db = new Database(dbPath, { readonly: true });
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL")
      .all() as Array<{ name: string; sql: string }>;
    db.close();
    assert.ok(indexes.some((index) => /\(ts\)/.test(index.sql)));
    assert.ok(indexes.some((index) => /\(backend/.test(index.sql)));
  });

  it('notifies listeners on change, survives a throwing one, and unsubscribes', () => {
    const recorder = open(':memory:');
    let calls = 0;
    const stop = recorder.onDidChange(() => calls++);
    recorder.onDidChange(() => {
      throw new Error('listener bug');
    });
    recorder.record(requestRow({ ts: T0 }));
    recorder.updateOutcome('x', 'rejected');
    stop();
    recorder.record(requestRow({ ts: T0 }));
    assert.equal(calls, 2);
    assert.match(recorder.memoryLog.messages('error').join('\n'), /listener bug/);
    assert.equal(recorder.snapshot().recent.length, 2);
    recorder.close();
  });

  it('never throws into the caller: bad rows are logged and dropped, the rest are kept', () => {
    const recorder = open(':memory:');
    const bad = { ...requestRow(), task: undefined } as unknown as RequestRow;
    const unbindable = { ...requestRow({ ts: T0 }), model: { not: 'text' } } as unknown as RequestRow;
    assert.doesNotThrow(() => recorder.record(bad));
    assert.doesNotThrow(() => recorder.record(null as unknown as RequestRow));
    recorder.record(unbindable);
    recorder.record(requestRow({ id: 'good', ts: T0 }));
    assert.deepEqual(recorder.snapshot().recent.map((row) => row.id), ['good']);
    assert.equal(recorder.memoryLog.messages('error').length, 3);
    recorder.close();
    assert.doesNotThrow(() => recorder.record(requestRow()));
    assert.doesNotThrow(() => recorder.close());
  });

  it('queues rows while another process locks the database, then writes them', () => {
    const dbPath = freshDb();
    let now = T0;
    const recorder = open(dbPath, { busyTimeoutMs: 20, now: () => now });
    recorder.record(requestRow({ id: 'before', ts: T0 - 3 }));
    recorder.snapshot();
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      recorder.record(requestRow({ id: 'during', ts: T0 - 2 }));
      recorder.updateOutcome('before', 'accepted', 5);
      assert.equal(recorder.flush(), false);
      assert.match(recorder.memoryLog.messages('warn').join('\n'), /Writing request metrics failed .*locked/);
      const snapshot = recorder.snapshot();
      assert.deepEqual(snapshot.recent.map((row) => [row.id, row.outcome]), [['during', 'shown'], ['before', 'accepted']]);
      assert.equal(snapshot.backends[0]?.requests, 2, 'stats include the queued row');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    now += 60_000;
    assert.equal(recorder.flush(), true);
    assert.equal(recorder.snapshot().backends[0]?.requests, 2, 'queued rows counted once, once written');
    recorder.close();
    const reopened = open(dbPath);
    assert.deepEqual(reopened.snapshot().recent.map((row) => [row.id, row.outcome]), [['during', 'shown'], ['before', 'accepted']]);
    reopened.close();
  });

  it('writes queued rows on its own timer', { timeout: 10_000 }, async () => {
    const dbPath = freshDb();
    const recorder = open(dbPath, { flushDelayMs: 1 });
    recorder.record(requestRow({ id: 'timed', ts: T0 }));
    const db = new Database(dbPath, { readonly: true });
    try {
      const count = () => (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
      assert.equal(count(), 0);
      while (count() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(count(), 1);
    } finally {
      db.close();
      recorder.close();
    }
  });

  it('opens in memory for :memory: with the default settings', () => {
    const recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: { ...DEFAULT_CONFIG.metrics, pricePerMillionTokens: DEFAULT_CONFIG.offload.pricePerMillionTokens },
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log: memoryLogger(),
    });
    assert.equal(recorder.storage.persistent, false);
    recorder.close();
  });
});

/** Rows covering every backend, outcome, cache tier and null pattern, from a seeded generator. */
function variedRows(count: number): RequestRow[] {
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const outcomes: Outcome[] = ['shown', 'accepted', 'partial', 'rejected', 'empty', 'error', 'cancelled', 'answered'];
  const tiers: CacheTier[] = ['none', 'none', 'none', 'l1', 'l2', 'typing'];
  const maybe = (value: number) => (next() < 0.1 ? null : value);
  return Array.from({ length: count }, (_, i) =>
    requestRow({
      id: `varied-${i}`,
      ts: T0 - 10 * DAY + i * 1000,
      backend: next() < 0.05 ? null : pick(['local', 'offload'] as const),
      model: pick(['bundled', 'codellama-7b', 'qwen2.5-coder']),
      cacheTier: pick(tiers),
      outcome: pick(outcomes),
      promptTokens: maybe(Math.floor(next() * 2000)),
      completionTokens: maybe(Math.floor(next() * 64)),
      ttftMs: maybe(next() * 400),
      e2eMs: maybe(next() * 3000),
      tokensPerSecond: maybe(next() * 120),
      fallbackReason: next() < 0.1 ? 'offload timed out' : null,
    }),
  );
}
