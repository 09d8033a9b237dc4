/**
 * Tandem's storage is private to the user: the folder 0700, every database file (with its -wal
 * and -shm) 0600, whatever the umask, and files or folders left 0644 / 0755 by earlier versions
 * are tightened. POSIX permissions only: skipped on Windows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { ensurePrivateDir } from '../../server/src/storage/privateFiles';
import { TandemRuntime } from '../../server/src/runtime';
import { openDatabase } from '../../server/src/storage/sqlite';
import { requestRow } from '../support/requestRow';
import { testMetricsConfig } from '../support/metricsConfig';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-perms-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => fs.mkdtempSync(path.join(root, `case-${++counter}-`));
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const notes = { name: 'notes', up: (db: Database.Database) => db.exec('CREATE TABLE notes (body TEXT)') };

/** Runs `body` under a permissive umask, so only explicit modes can make files private. */
function withUmask<T>(mask: number, body: () => T): T {
  const previous = process.umask(mask);
  try {
    return body();
  } finally {
    process.umask(previous);
  }
}

describe('storage permissions', { skip: process.platform === 'win32' ? 'POSIX permissions' : false }, () => {
  it('creates the database folder 0700 and the file, its WAL and shared memory 0600, under umask 000', () => {
    const dir = path.join(freshDir(), 'storage');
    const file = path.join(dir, 'notes.db');
    withUmask(0, () => {
      const { db, persistent } = openDatabase({ path: file, migrations: [notes], log: memoryLogger(), contents: 'notes' });
      assert.ok(db && persistent);
      db.prepare('INSERT INTO notes VALUES (?)').run('private');
      assert.equal(modeOf(dir), 0o700);
      for (const name of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(name), 0o600, name);
      db.close();
    });
    assert.equal(modeOf(file), 0o600);
  });

  it('tightens a 0644 database and WAL left by an earlier version', () => {
    const file = path.join(freshDir(), 'metrics.db');
    withUmask(0o022, () => {
      const earlier = new Database(file);
      earlier.pragma('journal_mode = WAL');
      earlier.exec('CREATE TABLE other (x); INSERT INTO other VALUES (1);');
      // Keep the WAL on disk, as a crashed earlier version would.
      const checkpointless = new Database(file);
      assert.equal(modeOf(file), 0o644);
      const recorder = openMetricsRecorder({
        dbPath: file,
        config: testMetricsConfig(),
        cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
        log: memoryLogger(),
      });
      recorder.record(requestRow({ ts: Date.now() }));
      recorder.flush();
      for (const name of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(name), 0o600, name);
      recorder.close();
      checkpointless.close();
      earlier.close();
    });
  });

  it('makes an existing 0755 storage folder 0700, and creates missing ones 0700', () => {
    const existing = freshDir();
    fs.chmodSync(existing, 0o755);
    ensurePrivateDir(existing);
    assert.equal(modeOf(existing), 0o700);
    const created = path.join(freshDir(), 'a', 'b');
    withUmask(0, () => ensurePrivateDir(created));
    assert.equal(modeOf(created), 0o700);
  });

  it('the server makes its storage folder 0700 and its databases 0600', async () => {
    const storage = freshDir();
    fs.chmodSync(storage, 0o755);
    // Constructing the runtime opens both stores; models load only on start(), not called here.
    const runtime = new TandemRuntime({
      settings: { cache: { persistText: true } },
      storagePath: storage,
      offloadApiKey: undefined,
      log: memoryLogger(),
    });
    try {
      assert.equal(modeOf(storage), 0o700);
      for (const name of ['metrics.db', 'cache.db']) assert.equal(modeOf(path.join(storage, name)), 0o600, name);
    } finally {
      await runtime.dispose();
    }
  });

  it('leaves a shared folder (sticky bit, like /tmp) alone', () => {
    const shared = freshDir();
    fs.chmodSync(shared, 0o1777);
    ensurePrivateDir(shared);
    assert.equal(fs.statSync(shared).mode & 0o7777, 0o1777);
  });
});
