/**
 * The storage helper on real SQLite files: corrupt files are moved aside, locks and unusable
 * locations fall back to memory, migrations run once. Nothing here may throw.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openAnswerCache } from '../../server/src/cache/openAnswerCache';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import type { Migration } from '../../server/src/storage/migrations';
import { openDatabase } from '../../server/src/storage/sqlite';
import { requestRow } from '../support/requestRow';
import { testMetricsConfig } from '../support/metricsConfig';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-sqlite-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** The cache with its disk tier on: these tests are about the file. */
const DISK_CACHE = { ...DEFAULT_CONFIG.cache, persistText: true };
const freshDir = () => fs.mkdtempSync(path.join(root, `case-${++counter}-`));

const notesTable: Migration = {
  name: 'create notes',
  up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'),
};

function open(file: string, migrations: readonly Migration[] = [notesTable], busyTimeoutMs = 50) {
  const log = memoryLogger();
  const opened = openDatabase({ path: file, migrations, log, contents: 'notes', busyTimeoutMs, now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
  return { ...opened, log };
}

describe('openDatabase', () => {
  it('opens a file with WAL, synchronous=NORMAL, the busy timeout and the schema', () => {
    const file = path.join(freshDir(), 'notes.db');
    const { db, persistent, warnings } = open(file);
    assert.ok(db);
    assert.equal(persistent, true);
    assert.deepEqual(warnings, []);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
    assert.equal(db.pragma('busy_timeout', { simple: true }), 50);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.prepare('INSERT INTO notes (body) VALUES (?)').run('kept');
    db.close();
    assert.ok(fs.existsSync(file));
  });

  it('supports :memory: for tests, without warnings', () => {
    const { db, persistent, warnings } = open(':memory:');
    assert.ok(db);
    assert.equal(persistent, false);
    assert.deepEqual(warnings, []);
    db.prepare('INSERT INTO notes (body) VALUES (?)').run('x');
    db.close();
  });

  it('runs each migration once across reopenings, and only the new ones after an upgrade', () => {
    const file = path.join(freshDir(), 'notes.db');
    const runs: string[] = [];
    const counted = (migration: Migration): Migration => ({
      name: migration.name,
      up: (db) => {
        runs.push(migration.name);
        migration.up(db);
      },
    });
    const addTags: Migration = { name: 'add tags', up: (db) => db.exec('ALTER TABLE notes ADD COLUMN tags TEXT') };
    for (let i = 0; i < 3; i++) open(file, [counted(notesTable)]).db?.close();
    assert.deepEqual(runs, ['create notes']);
    const upgraded = open(file, [counted(notesTable), counted(addTags)]);
    assert.deepEqual(runs, ['create notes', 'add tags']);
    assert.equal(upgraded.db?.pragma('user_version', { simple: true }), 2);
    upgraded.db?.prepare('INSERT INTO notes (body, tags) VALUES (?, ?)').run('b', 't');
    upgraded.db?.close();
    open(file, [counted(notesTable), counted(addTags)]).db?.close();
    assert.equal(runs.length, 2);
  });

  it('leaves a database from a newer version alone and works in memory', () => {
    const file = path.join(freshDir(), 'notes.db');
    const newer = new Database(file);
    newer.pragma('user_version = 7');
    newer.close();
    const { db, persistent, warnings } = open(file);
    assert.equal(persistent, false);
    assert.match(warnings.join('\n'), /newer than this Tandem understands/);
    db?.prepare('INSERT INTO notes (body) VALUES (?)').run('memory');
    db?.close();
    const check = new Database(file);
    assert.equal(check.pragma('user_version', { simple: true }), 7);
    check.close();
  });

  it('moves a file of garbage aside, recreates it and says what was lost', () => {
    const dir = freshDir();
    const file = path.join(dir, 'notes.db');
    const garbage = Buffer.from('this is not a database, just bytes\n'.repeat(200));
    fs.writeFileSync(file, garbage);
    const { db, persistent, warnings, movedAsideTo, log } = open(file);
    assert.ok(db);
    assert.equal(persistent, true);
    assert.equal(movedAsideTo, `${file}.corrupt-2025-01-02T03-04-05-000Z`);
    assert.deepEqual(fs.readFileSync(movedAsideTo), garbage, 'the damaged file is kept for inspection');
    assert.match(warnings[0] ?? '', /corrupt.*moved it to .*notes\.db\.corrupt-.*The notes it held are lost/s);
    assert.deepEqual(log.messages('warn'), warnings);
    db.prepare('INSERT INTO notes (body) VALUES (?)').run('fresh');
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.close();
  });

  it('detects damaged pages inside a valid-looking file', () => {
    const file = path.join(freshDir(), 'notes.db');
    const seed = new Database(file);
    seed.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); CREATE INDEX notes_body ON notes (body);');
    const insert = seed.prepare('INSERT INTO notes (body) VALUES (?)');
    seed.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`note number ${i} ${'x'.repeat(50)}`);
    })();
    seed.pragma('user_version = 1');
    seed.close();
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // Keep the header page, scribble over every other page.
    for (let offset = pageSize; offset < bytes.length; offset += pageSize) bytes.fill(0xa5, offset + 8, offset + pageSize);
    fs.writeFileSync(file, bytes);
    const { db, persistent, movedAsideTo, warnings } = open(file);
    assert.equal(persistent, true);
    assert.ok(movedAsideTo, warnings.join('\n'));
    assert.deepEqual(db?.prepare('SELECT COUNT(*) AS n FROM notes').get(), { n: 0 });
    assert.match(warnings.join('\n'), /integrity check failed/);
    db?.close();
  });

  it('falls back to memory when another connection holds an exclusive lock past the busy timeout', () => {
    const file = path.join(freshDir(), 'notes.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE other (x)');
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const { db, persistent, warnings } = open(file);
      assert.ok(db, 'an in-memory database still works');
      assert.equal(persistent, false);
      assert.match(warnings.join('\n'), /holds a lock .* in memory only for this session/s);
      db.prepare('INSERT INTO notes (body) VALUES (?)').run('memory');
      db.close();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('creates a missing directory', () => {
    const file = path.join(freshDir(), 'a', 'b', 'notes.db');
    const { db, persistent } = open(file);
    assert.equal(persistent, true);
    db?.close();
    assert.ok(fs.existsSync(file));
  });

  it('falls back to memory when the directory cannot be created', () => {
    const blocker = path.join(freshDir(), 'a-file');
    fs.writeFileSync(blocker, 'not a directory');
    const { db, persistent, warnings } = open(path.join(blocker, 'sub', 'notes.db'));
    assert.ok(db);
    assert.equal(persistent, false);
    assert.match(warnings.join('\n'), /Cannot create the directory .* lost when the server stops/s);
    db.close();
  });

  it('falls back to memory when the directory is not writable', () => {
    const dir = unwritableDirectory();
    const { db, persistent, warnings } = open(path.join(dir, 'notes.db'));
    assert.ok(db);
    assert.equal(persistent, false);
    assert.equal(warnings.length, 1);
    db.close();
  });
});

describe('stores over damaged or locked files', () => {
  it('the answer cache recreates a corrupt cache.db and keeps working', () => {
    const file = path.join(freshDir(), 'cache.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x42));
    const log = memoryLogger();
    const cache = openAnswerCache({ dbPath: file, config: DISK_CACHE, log });
    assert.equal(cache.storage.persistent, true);
    assert.match(cache.storage.warnings.join('\n'), /cached answers it held are lost/);
    cache.set('k', { text: 'x', backend: 'local', model: 'm', createdAt: 1 });
    assert.equal(cache.get('k')?.tier, 'l1');
    cache.close();
    assert.equal(fs.readdirSync(path.dirname(file)).filter((name) => name.includes('.corrupt-')).length, 1);
  });

  it('the metrics recorder recreates a corrupt metrics.db and keeps recording', () => {
    const file = path.join(freshDir(), 'metrics.db');
    fs.writeFileSync(file, Buffer.from('SQLite format 3\0'.padEnd(4096, '!')));
    const log = memoryLogger();
    const recorder = openMetricsRecorder({
      dbPath: file,
      config: testMetricsConfig(),
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log,
    });
    assert.equal(recorder.storage.persistent, true);
    assert.match(recorder.storage.warnings.join('\n'), /request metrics it held are lost/);
    recorder.record(requestRow({ ts: Date.now() }));
    assert.equal(recorder.snapshot().recent.length, 1);
    recorder.close();
  });

  it('both stores open in memory, without throwing, while another process locks their files', () => {
    const dir = freshDir();
    const holders = ['cache.db', 'metrics.db'].map((name) => {
      const holder = new Database(path.join(dir, name));
      holder.exec('CREATE TABLE other (x); BEGIN EXCLUSIVE;');
      return holder;
    });
    try {
      const log = memoryLogger();
      const cache = openAnswerCache({ dbPath: path.join(dir, 'cache.db'), config: DISK_CACHE, log, busyTimeoutMs: 20 });
      const recorder = openMetricsRecorder({
        dbPath: path.join(dir, 'metrics.db'),
        config: testMetricsConfig(),
        cacheCounters: () => cache.counters(),
        log,
        busyTimeoutMs: 20,
      });
      assert.equal(cache.storage.persistent, false);
      assert.equal(recorder.storage.persistent, false);
      assert.equal(log.messages('warn').length, 2);
      cache.set('k', { text: 'x', backend: 'local', model: 'm', createdAt: 1 });
      recorder.record(requestRow({ ts: Date.now() }));
      assert.equal(recorder.snapshot().recent.length, 1);
      cache.close();
      recorder.close();
    } finally {
      for (const holder of holders) {
        holder.exec('ROLLBACK');
        holder.close();
      }
    }
  });
});

/** A directory this process cannot create files in. Root ignores permission bits, so as root
 * this uses sysfs, where no one can create files. */
function unwritableDirectory(): string {
  if (process.getuid?.() === 0) {
    assert.ok(fs.existsSync('/sys/kernel'), 'this test needs sysfs when run as root');
    return '/sys/kernel';
  }
  const dir = freshDir();
  fs.chmodSync(dir, 0o500);
  after(() => fs.chmodSync(dir, 0o700));
  return dir;
}
