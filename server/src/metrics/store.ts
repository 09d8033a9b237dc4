/**
 * The SQLite `requests` table: one row per request with every RequestRow field (columns.ts maps
 * them), plus hashes of the prompt and completion. The text columns stay NULL unless
 * `metrics.storePrompts` is on. Statistics are computed by the SQL in aggregateSql.ts.
 */
import Database from 'better-sqlite3';
import type { RequestRow } from '../protocol';
import { migrate, type Migration } from '../storage/migrations';
import { AggregateStatements, QUERY_WHERE, queryParams, type QueryParams } from './aggregateSql';
import { BucketedAggregates } from './bucketedAggregates';
import { columnOf, COLUMNS, columnValues, fromSelected, SELECT_LIST } from './columns';
import type { RowQuery, RowStore, RowUpdate, StoredRequest, WriteBatch } from './rowStore';
import type { StoreAggregate } from './tally';
import { ROW_PATCH_FIELDS } from './types';

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
  {
    name: 'add shadow comparison columns',
    up(db) {
      // Partial index: snapshots read the few shadow rows without scanning the whole window.
      db.exec(`
        ALTER TABLE requests ADD COLUMN shadow_of TEXT;
        ALTER TABLE requests ADD COLUMN compared_with TEXT;
        ALTER TABLE requests ADD COLUMN shadow_similarity REAL;
        ALTER TABLE requests ADD COLUMN shown_similarity REAL;
        ALTER TABLE requests ADD COLUMN shadow_first_line_match INTEGER;
        ALTER TABLE requests ADD COLUMN shown_first_line_match INTEGER;
        CREATE INDEX requests_shadow ON requests (ts) WHERE shadow_of IS NOT NULL;
      `);
    },
  },
  {
    name: 'add prompt trace column',
    // JSON of RequestRow.promptTrace: what went into the prompt (sources, sizes).
    up(db) {
      db.exec('ALTER TABLE requests ADD COLUMN prompt_trace TEXT;');
    },
  },
  {
    name: 'add timing, cost and quality columns',
    // RequestRow's optional fields of issue 11 (columns.ts); all NULL for older rows. The index
    // covers the snapshot's list of languages (aggregateSql.ts).
    up(db) {
      db.exec(`
        ALTER TABLE requests ADD COLUMN tpot_ms REAL;
        ALTER TABLE requests ADD COLUMN decode_tokens_per_second REAL;
        ALTER TABLE requests ADD COLUMN prompt_tokens_per_second REAL;
        ALTER TABLE requests ADD COLUMN itl_count INTEGER;
        ALTER TABLE requests ADD COLUMN itl_mean_ms REAL;
        ALTER TABLE requests ADD COLUMN itl_p50_ms REAL;
        ALTER TABLE requests ADD COLUMN itl_p95_ms REAL;
        ALTER TABLE requests ADD COLUMN itl_max_ms REAL;
        ALTER TABLE requests ADD COLUMN server_prompt_ms REAL;
        ALTER TABLE requests ADD COLUMN server_decode_ms REAL;
        ALTER TABLE requests ADD COLUMN cpu_ms REAL;
        ALTER TABLE requests ADD COLUMN cost_usd REAL;
        ALTER TABLE requests ADD COLUMN cost_basis TEXT;
        ALTER TABLE requests ADD COLUMN displayed INTEGER;
        ALTER TABLE requests ADD COLUMN shown_chars INTEGER;
        ALTER TABLE requests ADD COLUMN typed_chars INTEGER;
        ALTER TABLE requests ADD COLUMN survival_30s REAL;
        ALTER TABLE requests ADD COLUMN survival_120s REAL;
        ALTER TABLE requests ADD COLUMN syntax_error INTEGER;
        ALTER TABLE requests ADD COLUMN feedback INTEGER;
        ALTER TABLE requests ADD COLUMN grounding REAL;
        CREATE INDEX requests_ts_language ON requests (ts, language);
      `);
    },
  },
];

const EXTRA_COLUMNS = ['prompt_hash', 'completion_hash', 'prompt', 'completion', 'prompt_trace'] as const;
const SELECT_ROW = `${SELECT_LIST}, prompt_trace AS promptTrace`;

export interface SqliteRowStoreOptions {
  /** Keep at most this many rows (the newest): for a store in memory, which has no disk to fill. */
  maxRows?: number;
  /** Keep the tallies of recent time buckets between aggregates (bucketedAggregates.ts); default
   * true. Off for a store whose rows are all replaced before each read (the recorder's scratch). */
  cacheBuckets?: boolean;
  /** Clock for which buckets are over; default Date.now. */
  now?: () => number;
}

export class SqliteRowStore implements RowStore {
  private readonly insert: Database.Statement<unknown[]>;
  private readonly update: Database.Statement<[Record<string, unknown>]>;
  private readonly selectRows: Database.Statement<[QueryParams], Record<string, unknown>>;
  private readonly selectRecent: Database.Statement<[QueryParams & { limit: number }], Record<string, unknown>>;
  private readonly selectShadows: Database.Statement<[QueryParams], Record<string, unknown>>;
  private readonly aggregates: AggregateStatements;
  private readonly buckets: BucketedAggregates | undefined;
  private readonly selectTs: Database.Statement<[string], number>;
  private readonly deleteBefore: Database.Statement<[number]>;
  private readonly deleteEvery: Database.Statement<[]>;
  private readonly trimTo: Database.Statement<[number]>;
  private readonly writeInTransaction: (batch: WriteBatch) => void;
  private insertedSinceTrim = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteRowStoreOptions = {},
  ) {
    const names = [...COLUMNS.map(({ column }) => column), ...EXTRA_COLUMNS];
    // A repeated id (a caller bug) replaces the row rather than failing the whole batch.
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO requests (${names.join(', ')})
       VALUES (${names.map(() => '?').join(', ')})`,
    );
    // A field the patch leaves out binds NULL and keeps the stored value.
    const assignments = ROW_PATCH_FIELDS.map((field) => `${columnOf(field)} = COALESCE(@${field}, ${columnOf(field)})`);
    this.update = db.prepare(`UPDATE requests SET ${assignments.join(', ')} WHERE id = @id`);
    this.selectRows = db.prepare(`SELECT ${SELECT_ROW} FROM requests WHERE ${QUERY_WHERE} ORDER BY ts ASC, rowid ASC`);
    this.selectRecent = db.prepare(`SELECT ${SELECT_ROW} FROM requests WHERE ${QUERY_WHERE} ORDER BY ts DESC, rowid DESC LIMIT @limit`);
    // Partial index requests_shadow: the few shadow rows without scanning the whole window.
    this.selectShadows = db.prepare(
      `SELECT ${SELECT_ROW} FROM requests WHERE shadow_of IS NOT NULL AND ${QUERY_WHERE} ORDER BY ts ASC, rowid ASC`,
    );
    this.aggregates = new AggregateStatements(db);
    this.selectTs = db.prepare('SELECT ts FROM requests WHERE id = ?').pluck() as unknown as Database.Statement<[string], number>;
    this.buckets =
      options.cacheBuckets === false
        ? undefined
        : new BucketedAggregates({
            compute: (query) => this.aggregates.run(query),
            computeBuckets: (query, bucketMs) => this.aggregates.runBuckets(query, bucketMs),
            dataVersion: () => db.pragma('data_version', { simple: true }) as number,
            now: options.now ?? Date.now,
          });
    this.deleteBefore = db.prepare('DELETE FROM requests WHERE ts < ?');
    this.deleteEvery = db.prepare('DELETE FROM requests');
    this.trimTo = db.prepare(
      'DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests ORDER BY ts DESC, rowid DESC LIMIT -1 OFFSET ?)',
    );
    this.writeInTransaction = db.transaction((batch: WriteBatch) => {
      // The buckets of every row written, and of a row an insert replaces (a repeated id).
      const touched: number[] = [];
      for (const request of batch.inserts) {
        if (this.buckets) touched.push(request.row.ts, ...this.tsOf(request.row.id));
        this.insert.run(...insertValues(request));
      }
      for (const change of batch.updates) {
        if (this.buckets) touched.push(...this.tsOf(change.id));
        this.update.run(updateValues(change));
      }
      this.buckets?.touched(touched);
    });
  }

  get inMemory(): boolean {
    return this.db.memory;
  }

  write(batch: WriteBatch): void {
    if (batch.inserts.length === 0 && batch.updates.length === 0) return;
    this.writeInTransaction(batch);
    this.trimIfDue(batch.inserts.length);
  }

  rows(query: RowQuery): RequestRow[] {
    return this.selectRows.all(queryParams(query)).map(readRow);
  }

  recent(query: RowQuery, limit: number): RequestRow[] {
    return limit > 0 ? this.selectRecent.all({ ...queryParams(query), limit }).map(readRow) : [];
  }

  shadowRows(query: RowQuery): RequestRow[] {
    return this.selectShadows.all(queryParams(query)).map(readRow);
  }

  aggregate(query: RowQuery): StoreAggregate {
    return this.buckets ? this.buckets.aggregate(query) : this.aggregates.run(query);
  }

  deleteOlderThan(beforeMs: number): number {
    const deleted = this.deleteBefore.run(beforeMs).changes;
    if (deleted > 0) this.buckets?.deletedBefore(beforeMs);
    return deleted;
  }

  deleteAll(): number {
    this.buckets?.clear();
    return this.deleteEvery.run().changes;
  }

  /** The stored ts of row `id`: none when it is not stored. */
  private tsOf(id: string): number[] {
    const ts = this.selectTs.get(id);
    return ts === undefined ? [] : [ts];
  }

  close(): void {
    this.db.close();
  }

  /** Trims in steps of a tenth of the cap, so the count is not re-read on every write. */
  private trimIfDue(inserted: number): void {
    const maxRows = this.options.maxRows;
    if (maxRows === undefined) return;
    this.insertedSinceTrim += inserted;
    if (this.insertedSinceTrim < Math.max(1, maxRows / 10)) return;
    this.insertedSinceTrim = 0;
    if (this.trimTo.run(maxRows).changes > 0) this.buckets?.clear();
  }
}

/** A store in a fresh in-memory database with the full schema; throws when SQLite cannot run. */
export function openMemoryRowStore(options: SqliteRowStoreOptions = {}): SqliteRowStore {
  const db = new Database(':memory:');
  try {
    migrate(db, METRICS_MIGRATIONS);
    return new SqliteRowStore(db, options);
  } catch (error) {
    db.close();
    throw error;
  }
}

function readRow(selected: Record<string, unknown>): RequestRow {
  const { promptTrace, ...rest } = selected;
  const row = fromSelected(rest);
  const trace = typeof promptTrace === 'string' ? parseTrace(promptTrace) : undefined;
  if (trace !== undefined) row.promptTrace = trace as RequestRow['promptTrace'];
  return row;
}

/** A damaged trace is left out rather than failing the whole read. */
function parseTrace(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function insertValues(request: StoredRequest): unknown[] {
  return [
    ...columnValues(request.row),
    request.promptHash,
    request.completionHash,
    request.prompt,
    request.completion,
    request.row.promptTrace ? JSON.stringify(request.row.promptTrace) : null,
  ];
}

function updateValues(change: RowUpdate): Record<string, unknown> {
  const values: Record<string, unknown> = { id: change.id };
  for (const field of ROW_PATCH_FIELDS) values[field] = change.patch[field] ?? null;
  return values;
}
