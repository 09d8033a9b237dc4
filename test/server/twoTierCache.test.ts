/** The answer cache on real SQLite files, with an injected clock for TTL. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openAnswerCache, type OpenAnswerCacheOptions } from '../../server/src/cache/openAnswerCache';
import type { CachedAnswer } from '../../server/src/cache/types';
import { DEFAULT_CONFIG, type TandemConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { countRows } from '../support/sqliteRows';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cache-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDb = () => path.join(fs.mkdtempSync(path.join(root, `case-${++counter}-`)), 'cache.db');

const answer = (text: string): CachedAnswer => ({
  text,
  backend: 'local',
  model: 'bundled',
  createdAt: 1_000,
  promptTokens: 12,
  completionTokens: 3,
});

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** With `persistText` on, unless a test says otherwise: most tests here are about the disk tier. */
function open(dbPath: string, cache: Partial<TandemConfig['cache']> = {}, extra: Partial<OpenAnswerCacheOptions> = {}) {
  const log = memoryLogger();
  const opened = openAnswerCache({ dbPath, config: { ...DEFAULT_CONFIG.cache, persistText: true, ...cache }, log, ...extra });
  return Object.assign(opened, { log });
}

describe('TwoTierCache', () => {
  it('answers from memory first and counts hits and misses per tier', () => {
    const cache = open(':memory:');
    assert.equal(cache.get('a'), undefined);
    cache.set('a', answer('return a + b;'));
    assert.deepEqual(cache.get('a'), { value: answer('return a + b;'), tier: 'l1' });
    cache.countTypingHit();
    assert.deepEqual(cache.counters(), { l1Hits: 1, l2Hits: 0, typingHits: 1, misses: 1 });
    cache.close();
  });

  it('keeps answers on disk across restarts and promotes a disk hit to memory', () => {
    const dbPath = freshDb();
    const first = open(dbPath);
    assert.equal(first.storage.persistent, true);
    first.set('k', answer('x * 2'));
    first.close();
    const second = open(dbPath);
    assert.deepEqual(second.get('k'), { value: answer('x * 2'), tier: 'l2' });
    assert.equal(second.get('k')?.tier, 'l1');
    assert.deepEqual(second.counters(), { l1Hits: 1, l2Hits: 1, typingHits: 0, misses: 0 });
    second.close();
  });

  it('expires entries after the TTL in both tiers, and drops expired rows on open', () => {
    const dbPath = freshDb();
    const time = clock();
    const cache = open(dbPath, { ttlSeconds: 60 }, { now: time.now });
    cache.set('k', answer('soon gone'));
    time.advance(59_000);
    assert.equal(cache.get('k')?.tier, 'l1');
    time.advance(1_000);
    assert.equal(cache.get('k'), undefined, 'expired in memory and on disk');
    cache.close();
    assert.equal(countRows(dbPath, 'answers'), 1, 'reads never delete');
    open(dbPath, { ttlSeconds: 60 }, { now: time.now }).close();
    assert.equal(countRows(dbPath, 'answers'), 0);
  });

  it('gives a promoted entry only the lifetime it had left on disk', () => {
    const dbPath = freshDb();
    const time = clock();
    const writer = open(dbPath, { ttlSeconds: 60 }, { now: time.now });
    writer.set('k', answer('v'));
    writer.close();
    time.advance(50_000);
    const reader = open(dbPath, { ttlSeconds: 60 }, { now: time.now });
    assert.equal(reader.get('k')?.tier, 'l2');
    time.advance(9_000);
    assert.equal(reader.get('k')?.tier, 'l1');
    time.advance(1_000);
    assert.equal(reader.get('k'), undefined);
    reader.close();
  });

  it('never expires entries when ttlSeconds is 0', () => {
    const time = clock();
    const cache = open(':memory:', { ttlSeconds: 0 }, { now: time.now });
    cache.set('k', answer('v'));
    time.advance(10 * 365 * 24 * 3600 * 1000);
    assert.equal(cache.get('k')?.tier, 'l1');
    cache.close();
  });

  it('caps the disk tier at diskEntries, evicting the oldest', () => {
    const dbPath = freshDb();
    const time = clock();
    const cache = open(dbPath, { diskEntries: 3, memoryEntries: 1 }, { now: time.now });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) {
      cache.set(key, answer(key));
      time.advance(1);
    }
    cache.set('k5', answer('k5 again'));
    cache.close();
    assert.equal(countRows(dbPath, 'answers'), 3);
    const reopened = open(dbPath, { diskEntries: 3 }, { now: time.now });
    assert.equal(reopened.get('k1'), undefined);
    assert.equal(reopened.get('k2'), undefined);
    assert.equal(reopened.get('k3')?.value.text, 'k3');
    assert.equal(reopened.get('k5')?.value.text, 'k5 again');
    reopened.close();
  });

  it('caps the memory tier at memoryEntries (least recently used goes)', () => {
    const cache = open(':memory:', { memoryEntries: 2, diskEntries: 0 });
    cache.set('a', answer('a'));
    cache.set('b', answer('b'));
    cache.get('a');
    cache.set('c', answer('c'));
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a')?.tier, 'l1');
    assert.equal(cache.get('c')?.tier, 'l1');
    cache.close();
  });

  it('is a no-op when disabled, and creates no file', () => {
    const dbPath = freshDb();
    const cache = open(dbPath, { enabled: false });
    cache.set('k', answer('v'));
    assert.equal(cache.get('k'), undefined);
    assert.deepEqual(cache.counters(), { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 1 });
    cache.close();
    assert.equal(fs.existsSync(dbPath), false);
  });

  it('keeps serving from memory while another process locks the file, then writes again', () => {
    const dbPath = freshDb();
    const time = clock();
    const cache = open(dbPath, {}, { now: time.now, busyTimeoutMs: 20 });
    cache.set('before', answer('on disk'));
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      assert.doesNotThrow(() => cache.set('during', answer('memory only')));
      assert.equal(cache.get('during')?.tier, 'l1');
      assert.match(cache.log.messages('warn').join('\n'), /Writing the disk cache failed .*database is locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    cache.set('backing-off', answer('skipped: still backing off'));
    time.advance(60_000);
    cache.set('after', answer('on disk again'));
    assert.match(cache.log.messages('info').join('\n'), /works again after 1 failed attempt/);
    cache.close();
    const reopened = open(dbPath, {}, { now: time.now });
    assert.equal(reopened.get('before')?.tier, 'l2');
    assert.equal(reopened.get('during'), undefined);
    assert.equal(reopened.get('backing-off'), undefined);
    assert.equal(reopened.get('after')?.tier, 'l2');
    reopened.close();
  });

  it('turns the disk tier off for the session when the file is damaged under it', () => {
    const dbPath = freshDb();
    const cache = open(dbPath);
    cache.set('k', answer('v'));
    const other = new Database(dbPath);
    other.exec('DROP TABLE answers');
    other.close();
    assert.doesNotThrow(() => cache.set('k2', answer('v2')));
    assert.match(cache.log.messages('warn').join('\n'), /disk cache tier is off for this session/);
    assert.equal(cache.get('k2')?.tier, 'l1');
    assert.equal(cache.get('missing'), undefined);
    cache.close();
  });

  it('keeps answer text off disk by default (persistText off): memory only, no file', () => {
    assert.equal(DEFAULT_CONFIG.cache.persistText, false);
    const dbPath = freshDb();
    const first = open(dbPath, { persistText: false });
    first.set('k', answer('const token = "sk-secret";'));
    assert.equal(first.get('k')?.tier, 'l1', 'the memory tier keeps the text');
    assert.equal(first.storage.persistent, false);
    first.close();
    assert.equal(fs.existsSync(dbPath), false, 'no cache.db is written');
    const second = open(dbPath, { persistText: false });
    assert.equal(second.get('k'), undefined, 'nothing survives a restart');
    second.close();
  });

  it('deletes a cache.db holding answer text when persistText is off', () => {
    const dbPath = freshDb();
    const earlier = open(dbPath, { persistText: true });
    earlier.set('k', answer('const token = "sk-secret";'));
    earlier.close();
    assert.equal(fs.existsSync(dbPath), true);
    const now = open(dbPath, { persistText: false });
    assert.equal(fs.existsSync(dbPath), false);
    assert.equal(fs.existsSync(`${dbPath}-wal`), false);
    assert.match(now.log.messages('info').join('\n'), /Deleted .*cache\.db.*tandem\.cache\.persistText/);
    assert.equal(now.get('k'), undefined);
    now.close();
  });

  it('with persistText on, keeps answers on disk in a file only its owner can read', { skip: process.platform === 'win32' }, () => {
    const dbPath = freshDb();
    const cache = open(dbPath, { persistText: true });
    cache.set('k', answer('v'));
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, file);
    }
    cache.close();
    assert.equal(fs.statSync(dbPath).mode & 0o777, 0o600);
  });

  it('stores answers and hashed keys, never prompts', () => {
    const dbPath = freshDb();
    const cache = open(dbPath);
    cache.set('0f'.repeat(32), answer('const answer = 42;'));
    cache.close();
    const db = new Database(dbPath, { readonly: true });
    const columns = db
      .prepare('PRAGMA table_info(answers)')
      .all()
      .map((column) => (column as { name: string }).name);
    db.close();
    assert.deepEqual(columns, ['key', 'text', 'backend', 'model', 'created_at', 'stored_at', 'prompt_tokens', 'completion_tokens']);
  });
});
