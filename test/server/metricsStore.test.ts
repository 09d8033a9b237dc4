/** The metrics recorder over a real metrics.db: rows, outcomes, privacy, retention, locks. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder, type OpenMetricsRecorderOptions } from '../../server/src/metrics/openMetricsRecorder';
import { METRICS_MIGRATIONS } from '../../server/src/metrics/store';
import type { MetricsConfig } from '../../server/src/metrics/recorder';
import type { CacheTier, MetricsSnapshot, Outcome, RequestRow } from '../../server/src/protocol';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';
import { countRows } from '../support/sqliteRows';

const DAY = 24 * 3600 * 1000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-metrics-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDb = () => path.join(fs.mkdtempSync(path.join(root, `case-${++counter}-`)), 'metrics.db');
const T0 = Date.UTC(2025, 5, 1);

/** Offload tokens at 1 USD per million both ways; local rows cost nothing (no CPU time measured). */
const CONFIG: MetricsConfig = testMetricsConfig({
  retentionDays: 30,
  cost: { ...testMetricsConfig().cost, offload: { inputPerMillionTokens: 1, outputPerMillionTokens: 1, gpuHourPrice: 0 } },
});

function open(dbPath: string, overrides: Partial<OpenMetricsRecorderOptions> = {}, storePrompts = false) {
  const log = memoryLogger();
  const recorder = openMetricsRecorder({
    dbPath,
    config: { ...CONFIG, storePrompts },
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
  return Buffer.concat([dbPath, `${dbPath}-wal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file)));
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
      outcome: 'answered',
      acceptedChars: null,
      errorClass: null,
      fallbackReason: 'local model not loaded',
      tpotMs: 17.5,
      decodeTokensPerSecond: 57.14,
      promptTokensPerSecond: 1524.9,
      itl: { count: 122, meanMs: 17.4, p50Ms: 16, p95Ms: 30.5, maxMs: 88 },
      serverPromptMs: 150,
      serverDecodeMs: 2000,
      cpuMs: 12.5,
      costUsd: 0.00042,
      costBasis: '{"kind":"offload-tokens"}',
      displayed: 1,
      shownChars: 40,
      typedChars: 3,
      survival30s: 0.75,
      survival120s: 0.5,
      syntaxError: 0,
      feedback: -1,
      grounding: 0.8,
    });
    // Optional fields absent: priced by the recorder, the rest read back without the keys.
    const failed = requestRow({
      ts: T0 - 500,
      backend: null,
      model: null,
      tokenSource: null,
      outcome: 'error',
      errorClass: 'NoBackendError',
      ttftMs: null,
      e2eMs: null,
      promptTokens: null,
      completionTokens: null,
    });
    const first = open(dbPath);
    first.record(row, { prompt: 'explain this', completion: 'it adds' });
    first.record(failed);
    first.close();
    const second = open(dbPath);
    assert.deepEqual(second.snapshot().recent, [{ ...failed, costUsd: 0, costBasis: '{"kind":"none"}' }, row]);
    second.close();
    const db = new Database(dbPath, { readonly: true });
    assert.deepEqual(
      db.prepare('SELECT tokens_per_second FROM requests').all(),
      [{ tokens_per_second: null }, { tokens_per_second: null }],
      'the old column is no longer written',
    );
    db.close();
  });

  it('snapshots per-backend stats, cache counters and the newest rows first', () => {
    const recorder = open(':memory:');
    for (let i = 0; i < 5; i++) recorder.record(requestRow({ ts: T0 - 5000 + i, e2eMs: 100 * (i + 1) }));
    recorder.record(requestRow({ ts: T0 - 10, backend: 'offload', model: 'm', promptTokens: 900_000, completionTokens: 100_000 }));
    const snapshot = recorder.snapshot({ recent: 3 });
    assert.equal(snapshot.generatedAt, T0);
    assert.deepEqual(snapshot.cache, { l1Hits: 4, l2Hits: 3, typingHits: 2, misses: 1 });
    assert.deepEqual(
      snapshot.recent.map((row) => row.ts),
      [T0 - 10, T0 - 5000 + 4, T0 - 5000 + 3],
    );
    const [local, offload] = snapshot.backends;
    assert.equal(local?.requests, 5);
    assert.equal(local?.e2eMs.p50, 300);
    assert.equal(offload?.costUsd, 1);
    assert.equal(recorder.snapshot({ sinceMs: T0 - 5000 + 3 }).backends[0]?.requests, 2);
    assert.deepEqual(recorder.snapshot({ recent: 0 }).recent, []);
    recorder.close();
  });

  it('counts rows still queued (the disk refuses them) with the same definitions as written ones', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath, { busyTimeoutMs: 20 });
    const rows = variedRows(3000);
    rows.slice(0, 1000).forEach((row) => recorder.record(row));
    assert.equal(recorder.flush(), true);
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    let whileQueued: MetricsSnapshot;
    try {
      rows.slice(1000).forEach((row) => recorder.record(row));
      assert.equal(recorder.flush(), false, 'the lock keeps 2000 rows queued');
      whileQueued = recorder.snapshot({ recent: 3000 });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    assert.equal(recorder.flush(), true);
    const written = recorder.snapshot({ recent: 3000 });
    const primary = rows.filter((row) => row.shadowOf === undefined).length;
    assert.equal(written.backends.reduce((sum, stats) => sum + stats.requests, 0) + written.beforeRouting.requests, primary);
    // Sums of two stores add up in another order: equal to the last bits, not bit for bit.
    assert.deepEqual(rounded(statsOf(whileQueued)), rounded(statsOf(written)));
    assert.deepEqual(whileQueued.recent, written.recent);
    recorder.close();
  });

  it('gives the same statistics for its rows as a fresh store given those rows (updates, other writers)', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath);
    const rows = variedRows(400);
    const check = (why: string) => {
      const fresh = open(':memory:');
      for (const row of recorder.rows()) fresh.record(row);
      assert.deepEqual(statsOf(recorder.snapshot()), statsOf(fresh.snapshot()), why);
      fresh.close();
    };
    rows.slice(0, 200).forEach((row) => recorder.record(row));
    check('first snapshot');
    rows.slice(200).forEach((row) => recorder.record(row));
    check('after more rows');
    const shownIds = rows
      .filter((row) => row.outcome === 'shown' && row.backend !== null && row.shadowOf === undefined)
      .map((row) => row.id);
    const before = recorder.snapshot();
    recorder.updateOutcome(shownIds[0] ?? '', 'accepted', 4);
    recorder.update(shownIds[1] ?? '', { outcome: 'partial', acceptedChars: 2, displayed: 1, survival30s: 0.5 });
    recorder.updateOutcome(shownIds[2] ?? '', 'rejected');
    recorder.updateOutcome('unknown-id', 'accepted');
    check('after outcome updates');
    const after = recorder.snapshot();
    const accepted = (snapshot: MetricsSnapshot) =>
      snapshot.backends.reduce((sum, stats) => sum + stats.accepted + stats.partiallyAccepted, 0);
    assert.equal(accepted(after), accepted(before) + 2);
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
    assert.ok(recorder.snapshot().languages.includes('go'));
    recorder.close();
  });

  it('drops pruned rows from its stats', () => {
    let now = T0;
    const recorder = open(':memory:', { now: () => now });
    const all = { sinceMs: 0 };
    recorder.record(requestRow({ ts: T0 - 29 * DAY }));
    recorder.record(requestRow({ ts: T0 - DAY }));
    assert.equal(recorder.snapshot(all).backends[0]?.requests, 2);
    now += 2 * DAY;
    recorder.record(requestRow({ ts: now }));
    assert.equal(recorder.snapshot(all).backends[0]?.requests, 2, 'one aged out, one arrived');
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
    recorder.update(written.id, { displayed: 1, shownChars: 20, survival30s: 0.9 });
    recorder.update(written.id, { survival120s: 0.7 });
    recorder.update(queued.id, { syntaxError: 1 });
    recorder.updateOutcome('no-such-request', 'rejected');
    recorder.close();
    const reopened = open(dbPath);
    const byId = new Map(reopened.snapshot().recent.map((row) => [row.id, row]));
    assert.deepEqual([byId.get(written.id)?.outcome, byId.get(written.id)?.acceptedChars], ['accepted', 12]);
    assert.deepEqual([byId.get(queued.id)?.outcome, byId.get(queued.id)?.acceptedChars], ['partial', 7]);
    const patched = byId.get(written.id);
    assert.deepEqual(
      [patched?.displayed, patched?.shownChars, patched?.survival30s, patched?.survival120s],
      [1, 20, 0.9, 0.7],
      'later patches keep earlier ones',
    );
    assert.equal(byId.get(queued.id)?.syntaxError, 1);
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
    assert.deepEqual(
      later.snapshot({ sinceMs: 0 }).recent.map((row) => row.id),
      ['new'],
    );
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
    assert.deepEqual(
      recorder.snapshot().recent.map((row) => row.id),
      ['good'],
    );
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
      assert.deepEqual(
        snapshot.recent.map((row) => [row.id, row.outcome]),
        [
          ['during', 'shown'],
          ['before', 'accepted'],
        ],
      );
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
    assert.deepEqual(
      reopened.snapshot().recent.map((row) => [row.id, row.outcome]),
      [
        ['during', 'shown'],
        ['before', 'accepted'],
      ],
    );
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

  it('exports the rows of a window and filters, oldest first, queued ones included', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath, { busyTimeoutMs: 20 });
    recorder.record(requestRow({ id: 'old', ts: T0 - 2 * DAY }));
    recorder.record(requestRow({ id: 'py', ts: T0 - 30, language: 'python' }));
    recorder.record(requestRow({ id: 'explain', ts: T0 - 20, task: 'explain', outcome: 'answered' }));
    recorder.flush();
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      recorder.record(requestRow({ id: 'queued', ts: T0 - 10, language: 'python' }));
      recorder.updateOutcome('py', 'accepted', 3);
      assert.deepEqual(
        recorder.rows().map((row) => row.id),
        ['py', 'explain', 'queued'],
        'default: the last 24 hours',
      );
      assert.equal(recorder.rows().find((row) => row.id === 'py')?.outcome, 'accepted', 'queued updates applied');
      assert.deepEqual(
        recorder.rows({ sinceMs: 0 }).map((row) => row.id),
        ['old', 'py', 'explain', 'queued'],
      );
      assert.deepEqual(
        recorder.rows({ language: 'python' }).map((row) => row.id),
        ['py', 'queued'],
      );
      assert.deepEqual(
        recorder.rows({ task: 'explain', backend: 'local' }).map((row) => row.id),
        ['explain'],
      );
      assert.deepEqual(
        recorder.rows({ untilMs: T0 - 20 }).map((row) => row.id),
        ['py'],
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    recorder.close();
  });

  it('resets: deletes every stored and queued row, and says how many', () => {
    const dbPath = freshDb();
    const recorder = open(dbPath);
    recorder.record(requestRow({ ts: T0 - 29 * DAY }));
    recorder.record(requestRow({ ts: T0 - 1 }));
    recorder.flush();
    recorder.record(requestRow({ ts: T0 }));
    assert.equal(recorder.reset(), 3);
    assert.deepEqual(recorder.rows({ sinceMs: 0 }), []);
    assert.deepEqual(recorder.snapshot().backends, []);
    recorder.close();
    assert.equal(countRows(dbPath, 'requests'), 0);
  });

  it('logs and drops an update it cannot store, keeping the row as it was', () => {
    const recorder = open(':memory:');
    recorder.record(requestRow({ id: 'kept', ts: T0 }));
    recorder.update('kept', { survival30s: Number.NaN });
    recorder.update('kept', { ts: 5 } as unknown as Parameters<typeof recorder.update>[1]);
    assert.equal(recorder.snapshot().recent[0]?.survival30s, undefined);
    assert.equal(recorder.snapshot().recent[0]?.ts, T0);
    assert.match(recorder.memoryLog.messages('error').join('\n'), /survival30s must be a finite number.*\n.*ts cannot be updated/s);
    recorder.close();
  });

  it('upgrades a database of the previous schema, reading its rows back without the new fields', () => {
    const dbPath = freshDb();
    const old = new Database(dbPath);
    for (const migration of METRICS_MIGRATIONS.slice(0, 3)) migration.up(old);
    old.pragma('user_version = 3');
    old
      .prepare(
        `INSERT INTO requests (id, ts, task, language, policy, decision, backend, model, cache_tier,
           prompt_tokens, completion_tokens, token_source, ttft_ms, e2e_ms, tokens_per_second, outcome,
           accepted_chars, error_class, fallback_reason)
         VALUES ('v3', ?, 'completion', 'go', 'auto', 'x', 'local', 'bundled', 'none', 10, 5, 'server',
           40, 90, 55.5, 'shown', NULL, NULL, NULL)`,
      )
      .run(T0 - 1);
    old.close();
    const recorder = open(dbPath);
    const [row] = recorder.rows();
    assert.deepEqual(row, {
      id: 'v3',
      ts: T0 - 1,
      task: 'completion',
      language: 'go',
      policy: 'auto',
      decision: 'x',
      backend: 'local',
      model: 'bundled',
      cacheTier: 'none',
      promptTokens: 10,
      completionTokens: 5,
      tokenSource: 'server',
      ttftMs: 40,
      e2eMs: 90,
      outcome: 'shown',
      acceptedChars: null,
      errorClass: null,
      fallbackReason: null,
    });
    assert.equal(recorder.snapshot().backends[0]?.costUsd, 0, 'unpriced old rows add nothing');
    recorder.close();
  });

  it('opens in memory for :memory: with the default settings', () => {
    const recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: testMetricsConfig(),
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
      ts: T0 - DAY / 2 + i * 1000,
      backend: next() < 0.05 ? null : pick(['local', 'offload'] as const),
      model: pick(['bundled', 'codellama-7b', 'qwen2.5-coder']),
      cacheTier: pick(tiers),
      outcome: pick(outcomes),
      promptTokens: maybe(Math.floor(next() * 2000)),
      completionTokens: maybe(Math.floor(next() * 64)),
      ttftMs: maybe(next() * 400),
      e2eMs: maybe(next() * 3000),
      errorClass: next() < 0.1 ? 'TimeoutError' : null,
      fallbackReason: next() < 0.1 ? 'offload timed out' : null,
      task: pick(['completion', 'completion', 'explain'] as const),
      language: pick(['typescript', 'python', 'go']),
      ...optional('tpotMs', next() * 40),
      ...optional('decodeTokensPerSecond', next() * 120),
      ...optional('promptTokensPerSecond', next() * 4000),
      ...optional('itl', { count: 5, meanMs: next() * 30, p50Ms: 10, p95Ms: 40, maxMs: 90 }),
      ...optional('costUsd', next() / 1000),
      ...optional('displayed', 1),
      ...optional('shownChars', Math.floor(next() * 80)),
      ...optional('typedChars', Math.floor(next() * 80)),
      ...optional('acceptedChars', Math.floor(next() * 80)),
      ...optional('survival30s', next()),
      ...optional('syntaxError', next() < 0.5 ? 1 : 0),
      ...optional('feedback', next() < 0.5 ? 1 : -1),
      ...optional('grounding', next()),
      ...(next() < 0.05
        ? { shadowOf: 'some-shown-row', comparedWith: 'typed' as const, shadowSimilarity: next(), shownSimilarity: next() }
        : {}),
    }),
  );
  /** Half the time absent (unknown), as the producers leave them. */
  function optional<K extends keyof RequestRow>(field: K, value: RequestRow[K]): Partial<RequestRow> {
    return next() < 0.5 ? { [field]: value } : {};
  }
}

/** Every number of `value` to 12 significant digits. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rounded(inner)]));
  return value;
}

/** The snapshot's statistics, without what changes from call to call (time, memory). */
function statsOf(snapshot: MetricsSnapshot) {
  const { backends, byTask, beforeRouting, languages, shadow } = snapshot;
  return { backends, byTask, beforeRouting, languages, shadow };
}
