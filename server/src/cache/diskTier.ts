/**
 * The second cache tier: answers in SQLite, keyed by the sha256 cache key (prompts never reach
 * this file, only the answers; and answers only when `cache.persistText` is on, see
 * openAnswerCache.ts). Entries expire `ttlMs` after they were stored; when more than
 * `maxEntries` are stored, the oldest go first. Methods throw SQLite errors; the two-tier cache
 * decides what a failure means for the request.
 */
import type Database from 'better-sqlite3';
import type { BackendId } from '../protocol';
import type { Migration } from '../storage/migrations';
import type { CachedAnswer } from './types';

export const CACHE_MIGRATIONS: readonly Migration[] = [
  {
    name: 'create answers table',
    up(db) {
      db.exec(`
        CREATE TABLE answers (
          key TEXT PRIMARY KEY,
          text TEXT NOT NULL,
          backend TEXT NOT NULL,
          model TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          stored_at INTEGER NOT NULL,
          prompt_tokens INTEGER,
          completion_tokens INTEGER
        );
        CREATE INDEX answers_stored_at ON answers (stored_at);
      `);
    },
  },
];

interface AnswerRow {
  text: string;
  backend: string;
  model: string;
  created_at: number;
  stored_at: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

export interface DiskHit {
  value: CachedAnswer;
  /** Milliseconds left before the entry expires; Infinity when entries never expire. */
  remainingMs: number;
}

export class DiskTier {
  private readonly selectOne: Database.Statement<[string], AnswerRow>;
  private readonly exists: Database.Statement<[string], { found: number }>;
  private readonly upsert: Database.Statement<unknown[]>;
  private readonly countAll: Database.Statement<[], { n: number }>;
  private readonly deleteOldest: Database.Statement<[number]>;
  private readonly deleteExpired: Database.Statement<[number]>;
  private readonly putInTransaction: (key: string, value: CachedAnswer, storedAt: number) => void;
  /** Our count of rows; re-read from disk before evicting, since another process may write too. */
  private rows: number;

  constructor(
    private readonly db: Database.Database,
    private readonly maxEntries: number,
    /** 0 = entries never expire. */
    private readonly ttlMs: number,
  ) {
    this.selectOne = db.prepare(
      `SELECT text, backend, model, created_at, stored_at, prompt_tokens, completion_tokens
       FROM answers WHERE key = ?`,
    );
    this.exists = db.prepare('SELECT 1 AS found FROM answers WHERE key = ?');
    this.upsert = db.prepare(
      `INSERT INTO answers
         (key, text, backend, model, created_at, stored_at, prompt_tokens, completion_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET text = excluded.text, backend = excluded.backend,
         model = excluded.model, created_at = excluded.created_at, stored_at = excluded.stored_at,
         prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens`,
    );
    this.countAll = db.prepare('SELECT COUNT(*) AS n FROM answers');
    this.deleteOldest = db.prepare(
      `DELETE FROM answers WHERE key IN (
         SELECT key FROM answers ORDER BY stored_at ASC, rowid ASC LIMIT ?)`,
    );
    this.deleteExpired = db.prepare('DELETE FROM answers WHERE stored_at <= ?');
    this.putInTransaction = db.transaction((key: string, value: CachedAnswer, storedAt: number) => {
      const isNew = this.exists.get(key) === undefined;
      this.upsert.run(
        key,
        value.text,
        value.backend,
        value.model,
        value.createdAt,
        storedAt,
        value.promptTokens ?? null,
        value.completionTokens ?? null,
      );
      if (isNew) this.rows++;
      if (this.rows > this.maxEntries) this.evictOverflow();
    });
    this.rows = this.count();
  }

  get(key: string, now: number): DiskHit | undefined {
    const row = this.selectOne.get(key);
    if (!row) return undefined;
    const remainingMs = this.ttlMs > 0 ? row.stored_at + this.ttlMs - now : Infinity;
    // Expired rows are left for `purgeExpired`: a read must not need the write lock.
    if (remainingMs <= 0) return undefined;
    const value: CachedAnswer = {
      text: row.text,
      backend: row.backend as BackendId,
      model: row.model,
      createdAt: row.created_at,
    };
    if (row.prompt_tokens !== null) value.promptTokens = row.prompt_tokens;
    if (row.completion_tokens !== null) value.completionTokens = row.completion_tokens;
    return { value, remainingMs };
  }

  put(key: string, value: CachedAnswer, now: number): void {
    this.putInTransaction(key, value, now);
  }

  /** Deletes expired rows; returns how many. */
  purgeExpired(now: number): number {
    if (this.ttlMs <= 0) return 0;
    const deleted = this.deleteExpired.run(now - this.ttlMs).changes;
    this.rows = Math.max(0, this.rows - deleted);
    return deleted;
  }

  count(): number {
    return this.countAll.get()?.n ?? 0;
  }

  close(): void {
    this.db.close();
  }

  private evictOverflow(): void {
    this.rows = this.count();
    const excess = this.rows - this.maxEntries;
    if (excess > 0) this.rows -= this.deleteOldest.run(excess).changes;
  }
}
