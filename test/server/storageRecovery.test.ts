/**
 * Storage that recovers: after SQLITE_FULL, an I/O error, a read-only or unopenable file, the
 * metrics recorder keeps its rows queued (bounded) and writes them once the disk takes them
 * again, and the disk cache tier comes back after its back-off, instead of both staying in memory
 * until the server restarts. Faults are injected as better-sqlite3 errors (they carry `code`);
 * where this machine lets root mount a 1 MB tmpfs, a really full filesystem is used as well.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CACHE_MIGRATIONS, DiskTier } from '../../server/src/cache/diskTier';
import { openAnswerCache } from '../../server/src/cache/openAnswerCache';
import { TwoTierCache } from '../../server/src/cache/twoTierCache';
import type { CachedAnswer } from '../../server/src/cache/types';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { SqliteMetricsRecorder } from '../../server/src/metrics/recorder';
import type { RowStore } from '../../server/src/metrics/rowStore';
import { METRICS_MIGRATIONS, SqliteRowStore } from '../../server/src/metrics/store';
import { openDatabase } from '../../server/src/storage/sqlite';
import { requestRow } from '../support/requestRow';
import { countRows } from '../support/sqliteRows';
import { testMetricsConfig } from '../support/metricsConfig';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-recovery-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => fs.mkdtempSync(path.join(root, `case-${++counter}-`));
const T0 = Date.UTC(2025, 5, 1);
const METRICS_CONFIG = testMetricsConfig();
const NO_COUNTERS = () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 });

function clock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** The error better-sqlite3 throws, with its `code`. */
function sqliteError(code: string): Error {
  return new Database.SqliteError(`injected ${code}`, code);
}

/** A real row store whose writes (and prunes) fail with `failing` while it is set. */
function faultyRowStore(file: string) {
  const opened = openDatabase({ path: file, migrations: METRICS_MIGRATIONS, log: memoryLogger(), contents: 'request metrics' });
  assert.ok(opened.db && opened.persistent);
  const inner = new SqliteRowStore(opened.db);
  const fault: { failing?: string; attempts: number } = { attempts: 0 };
  const store: RowStore = Object.assign(Object.create(inner) as RowStore, {
    write(batch: Parameters<RowStore['write']>[0]) {
      fault.attempts++;
      if (fault.failing) throw sqliteError(fault.failing);
      inner.write(batch);
    },
    deleteOlderThan(beforeMs: number) {
      if (fault.failing) throw sqliteError(fault.failing);
      return inner.deleteOlderThan(beforeMs);
    },
    close: () => inner.close(),
  });
  return { store, fault };
}

function record(recorder: { record: SqliteMetricsRecorder['record'] }, count: number, prefix: string, time: { now(): number }) {
  for (let i = 0; i < count; i++) recorder.record(requestRow({ id: `${prefix}-${i}`, ts: time.now() - count + i }));
}

/** A recorder on a faultyRowStore in a fresh folder, on a test clock, flushing only when told. */
function recorderOnFaultyStore(extra: Partial<ConstructorParameters<typeof SqliteMetricsRecorder>[1]> = {}) {
  const file = path.join(freshDir(), 'metrics.db');
  const time = clock();
  const log = memoryLogger();
  const { store, fault } = faultyRowStore(file);
  const recorder = new SqliteMetricsRecorder(store, {
    config: METRICS_CONFIG,
    cacheCounters: NO_COUNTERS,
    log,
    now: time.now,
    storage: { persistent: true, warnings: [] },
    flushDelayMs: 60_000,
    ...extra,
  });
  return { file, time, log, fault, recorder };
}

describe('metrics recorder after a non-busy SQLite error', () => {
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_CANTOPEN']) {
    it(`keeps rows queued through ${code} and writes them when the disk works again`, () => {
      const { file, time, log, fault, recorder } = recorderOnFaultyStore();
      // The figures: 20 rows written, then 1,055 while the disk was full, 55 after.
      record(recorder, 20, 'before', time);
      assert.equal(recorder.flush(), true);
      fault.failing = code;
      record(recorder, 1055, 'during', time);
      assert.equal(recorder.flush(), false, 'the write is refused');
      assert.match(
        log.messages('warn').join('\n'),
        new RegExp(`Writing request metrics failed .*${code}.*queued in memory \\(up to 10000\\)`, 's'),
      );
      assert.equal(recorder.snapshot().backends[0]?.requests, 1075, 'snapshots still count the queued rows');
      fault.failing = undefined;
      const attempts = fault.attempts;
      recorder.snapshot();
      assert.equal(fault.attempts, attempts, 'a snapshot during the back-off does not retry');
      time.advance(60_000);
      record(recorder, 55, 'after', time);
      assert.equal(recorder.flush(), true, 'written once the disk takes it again');
      assert.equal(countRows(file, 'requests'), 1130, 'nothing lost, nothing counted twice');
      assert.match(log.messages('info').join('\n'), /Writing request metrics works again after 1 failed attempt/);
      assert.equal(recorder.snapshot().backends[0]?.requests, 1130);
      recorder.close();
      assert.equal(countRows(file, 'requests'), 1130);
    });
  }

  it('reopens the file after an error that leaves the handle stale', () => {
    let reopened = 0;
    const { file, time, fault, recorder } = recorderOnFaultyStore({
      reopen: () => {
        reopened++;
        const db = new Database(file);
        return new SqliteRowStore(db);
      },
    });
    fault.failing = 'SQLITE_READONLY_DBMOVED';
    record(recorder, 10, 'moved', time);
    assert.equal(recorder.flush(), false);
    time.advance(60_000);
    assert.equal(recorder.flush(), true, 'written through the new handle, though the old one still fails');
    assert.equal(reopened, 1);
    recorder.close();
    assert.equal(countRows(file, 'requests'), 10);
  });

  it('keeps at most maxPending rows while the disk refuses them, dropping the oldest with a warning', () => {
    const { file, time, log, fault, recorder } = recorderOnFaultyStore({ maxPending: 100 });
    fault.failing = 'SQLITE_FULL';
    record(recorder, 150, 'capped', time);
    assert.equal(recorder.flush(), false);
    assert.match(log.messages('warn').join('\n'), /Request metrics are being dropped/);
    fault.failing = undefined;
    recorder.close();
    const db = new Database(file, { readonly: true });
    const ids = (db.prepare('SELECT id FROM requests ORDER BY ts').all() as Array<{ id: string }>).map((row) => row.id);
    db.close();
    assert.equal(ids.length, 100);
    assert.equal(ids[0], 'capped-50', 'the newest rows are the ones kept');
  });

  it('still gives up the file for the session on damage no retry can fix', () => {
    const { time, log, fault, recorder } = recorderOnFaultyStore();
    fault.failing = 'SQLITE_CORRUPT';
    record(recorder, 3, 'corrupt', time);
    assert.equal(recorder.flush(), true, 'written to the in-memory store');
    assert.match(log.messages('warn').join('\n'), /kept in memory for the rest of this session/);
    assert.equal(recorder.snapshot().recent.length, 3);
    recorder.close();
  });
});

const answer = (text: string): CachedAnswer => ({ text, backend: 'local', model: 'bundled', createdAt: 1 });

describe('disk cache tier after a non-busy SQLite error', () => {
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_FSYNC', 'SQLITE_READONLY']) {
    it(`skips the disk through ${code}, then uses it again after the back-off`, () => {
      const file = path.join(freshDir(), 'cache.db');
      const time = clock();
      const log = memoryLogger();
      const opened = openDatabase({ path: file, migrations: CACHE_MIGRATIONS, log, contents: 'cached answers' });
      assert.ok(opened.db);
      const fault: { failing?: string } = {};
      class FaultyDisk extends DiskTier {
        override put(key: string, value: CachedAnswer, now: number): void {
          if (fault.failing) throw sqliteError(fault.failing);
          super.put(key, value, now);
        }
      }
      const config = { ...DEFAULT_CONFIG.cache, persistText: true };
      const cache = new TwoTierCache(config, new FaultyDisk(opened.db, 100, 0), log, time.now, { persistent: true, warnings: [] });
      fault.failing = code;
      assert.doesNotThrow(() => cache.set('during', answer('memory only')));
      assert.equal(cache.get('during')?.tier, 'l1');
      assert.match(log.messages('warn').join('\n'), new RegExp(`Writing the disk cache failed .*${code}.*retried with a back-off`));
      fault.failing = undefined;
      time.advance(60_000);
      cache.set('after', answer('on disk again'));
      assert.match(log.messages('info').join('\n'), /Writing the disk cache works again/);
      cache.close();
      const reopened = openAnswerCache({ dbPath: file, config, log: memoryLogger(), now: time.now });
      assert.equal(reopened.get('after')?.tier, 'l2', 'the disk tier came back in the same session');
      assert.equal(reopened.get('during'), undefined, 'what was refused stayed in memory');
      reopened.close();
    });
  }
});

/** Mounts a tmpfs of `size` at a fresh folder; undefined where this machine does not allow it. */
function smallFilesystem(size: string): { dir: string; unmount(): void } | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = freshDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
}

/** Fills the filesystem holding `dir` with one file until the kernel says ENOSPC. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (const chunk of [65536, 4096, 512]) {
      const bytes = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          if (fs.writeSync(fd, bytes) < chunk) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

const tmpfs = smallFilesystem('1m');
describe(
  'on a really full filesystem (1 MB tmpfs)',
  { skip: tmpfs ? false : 'cannot mount a tmpfs here; the injected faults above cover it' },
  () => {
    after(() => tmpfs?.unmount());

    it('the metrics recorder loses no row: 20 before, 1,055 while full, 55 after', () => {
      const dir = fs.mkdtempSync(path.join(tmpfs!.dir, 'metrics-'));
      const file = path.join(dir, 'metrics.db');
      const time = clock();
      const log = memoryLogger();
      const recorder = openMetricsRecorder({
        dbPath: file,
        config: METRICS_CONFIG,
        cacheCounters: NO_COUNTERS,
        log,
        now: time.now,
        flushDelayMs: 60_000,
      });
      assert.equal(recorder.storage.persistent, true);
      record(recorder, 20, 'before', time);
      assert.equal(recorder.flush(), true);
      const filler = fillUp(tmpfs!.dir);
      record(recorder, 1055, 'during', time);
      assert.equal(recorder.flush(), false);
      assert.match(log.messages('warn').join('\n'), /Writing request metrics failed .*full/);
      fs.rmSync(filler);
      time.advance(60_000);
      record(recorder, 55, 'after', time);
      assert.equal(recorder.flush(), true);
      recorder.close();
      assert.equal(countRows(file, 'requests'), 1130);
      fs.rmSync(dir, { recursive: true });
    });

    it('the disk cache tier is used again once space is freed', () => {
      const dir = fs.mkdtempSync(path.join(tmpfs!.dir, 'cache-'));
      const file = path.join(dir, 'cache.db');
      const time = clock();
      const log = memoryLogger();
      const config = { ...DEFAULT_CONFIG.cache, persistText: true };
      const cache = openAnswerCache({ dbPath: file, config, log, now: time.now });
      assert.equal(cache.storage.persistent, true);
      const filler = fillUp(tmpfs!.dir);
      const big = 'x'.repeat(200_000);
      cache.set('during', answer(big));
      assert.match(log.messages('warn').join('\n'), /Writing the disk cache failed .*full/);
      fs.rmSync(filler);
      time.advance(60_000);
      cache.set('after', answer(big));
      cache.close();
      const reopened = openAnswerCache({ dbPath: file, config, log: memoryLogger(), now: time.now });
      assert.equal(reopened.get('after')?.tier, 'l2');
      reopened.close();
      fs.rmSync(dir, { recursive: true });
    });
  },
);
