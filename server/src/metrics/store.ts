/**
 * The SQLite `requests` table: one row per request with every RequestRow field, plus hashes of
 * the prompt and completion. The text columns stay NULL unless `metrics.storePrompts` is on.
 */
import type Database from 'better-sqlite3';
import type { RequestRow } from '../protocol';
import type { Migration } from '../storage/migrations';
import type { OutcomeUpdate, RowStore, StoredRequest, WriteBatch } from './rowStore';

export const METRICS_MIGRATIONS: readonly Migration[] = [
  {
    name: 'create requests table',
    up(db) {
      db.exec(`
        CREATE TABLE requests (
          id TEXT PRIMARY KEY,
          ts INTEGER NOT NULL,
          task TEXT NOT NULL,
          language TEXT NOT NULL,
          policy TEXT NOT NULL,
          decision TEXT NOT NULL,
          backend TEXT,
          model TEXT,
          cache_tier TEXT NOT NULL,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          token_source TEXT,
          ttft_ms REAL,
          e2e_ms REAL,
          tokens_per_second REAL,
          outcome TEXT NOT NULL,
          accepted_chars INTEGER,
          error_class TEXT,
          fallback_reason TEXT,
          prompt_hash TEXT,
          completion_hash TEXT,
          prompt TEXT,
          completion TEXT
        );
        CREATE INDEX requests_ts ON requests (ts);
        CREATE INDEX requests_backend ON requests (backend, ts);
      `);
    },
  },
];

/** RequestRow field → column, in one place so insert and select cannot drift apart. */
const COLUMNS = [
  ['id', 'id'],
  ['ts', 'ts'],
  ['task', 'task'],
  ['language', 'language'],
  ['policy', 'policy'],
  ['decision', 'decision'],
  ['backend', 'backend'],
  ['model', 'model'],
  ['cacheTier', 'cache_tier'],
  ['promptTokens', 'prompt_tokens'],
  ['completionTokens', 'completion_tokens'],
  ['tokenSource', 'token_source'],
  ['ttftMs', 'ttft_ms'],
  ['e2eMs', 'e2e_ms'],
  ['tokensPerSecond', 'tokens_per_second'],
  ['outcome', 'outcome'],
  ['acceptedChars', 'accepted_chars'],
  ['errorClass', 'error_class'],
  ['fallbackReason', 'fallback_reason'],
] as const satisfies ReadonlyArray<readonly [keyof RequestRow, string]>;

const EXTRA_COLUMNS = ['prompt_hash', 'completion_hash', 'prompt', 'completion'] as const;

export class SqliteRowStore implements RowStore {
  private readonly insert: Database.Statement<unknown[]>;
  private readonly update: Database.Statement<unknown[]>;
  private readonly selectSince: Database.Statement<[number], RequestRow>;
  private readonly deleteBefore: Database.Statement<[number]>;
  private readonly writeInTransaction: (batch: WriteBatch) => void;

  constructor(private readonly db: Database.Database) {
    const names = [...COLUMNS.map(([, column]) => column), ...EXTRA_COLUMNS];
    // A repeated id (a caller bug) replaces the row rather than failing the whole batch.
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO requests (${names.join(', ')})
       VALUES (${names.map(() => '?').join(', ')})`,
    );
    this.update = db.prepare(
      `UPDATE requests SET outcome = ?, accepted_chars = COALESCE(?, accepted_chars) WHERE id = ?`,
    );
    this.selectSince = db.prepare(
      `SELECT ${COLUMNS.map(([field, column]) => `${column} AS ${field}`).join(', ')}
       FROM requests WHERE ts >= ? ORDER BY ts ASC, rowid ASC`,
    );
    this.deleteBefore = db.prepare('DELETE FROM requests WHERE ts < ?');
    this.writeInTransaction = db.transaction((batch: WriteBatch) => {
      for (const request of batch.inserts) this.insert.run(...insertValues(request));
      for (const change of batch.updates) this.update.run(...updateValues(change));
    });
  }

  write(batch: WriteBatch): void {
    if (batch.inserts.length === 0 && batch.updates.length === 0) return;
    this.writeInTransaction(batch);
  }

  rowsSince(sinceMs: number): RequestRow[] {
    return this.selectSince.all(sinceMs);
  }

  deleteOlderThan(beforeMs: number): number {
    return this.deleteBefore.run(beforeMs).changes;
  }

  close(): void {
    this.db.close();
  }
}

function insertValues(request: StoredRequest): unknown[] {
  return [
    // `?? null`: a caller that left a field out at run time must not fail the batch.
    ...COLUMNS.map(([field]) => request.row[field] ?? null),
    request.promptHash,
    request.completionHash,
    request.prompt,
    request.completion,
  ];
}

function updateValues(change: OutcomeUpdate): unknown[] {
  return [change.outcome, change.acceptedChars ?? null, change.id];
}
