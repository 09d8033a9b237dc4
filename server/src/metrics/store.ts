/**
 * The SQLite `requests` table: one row per request with every RequestRow field, plus hashes of
 * the prompt and completion. The text columns stay NULL unless `metrics.storePrompts` is on.
 */
import type Database from 'better-sqlite3';
import type { BackendId, RequestRow } from '../protocol';
import type { Migration } from '../storage/migrations';
import type { RowFacts } from './liveTally';
import type { OutcomeUpdate, RowStore, StoredRequest, WriteBatch } from './rowStore';
import { GENERATED_OUTCOMES, SHOWN_OUTCOMES, tallyOf, type Tallies } from './tally';

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
];

/**
 * The optional RequestRow fields (shadow rows only). A row read back leaves them out when NULL,
 * so every other row reads back exactly as it was recorded.
 */
const SHADOW_COLUMNS = [
  ['shadowOf', 'shadow_of'],
  ['comparedWith', 'compared_with'],
  ['shadowSimilarity', 'shadow_similarity'],
  ['shownSimilarity', 'shown_similarity'],
  ['shadowFirstLineMatch', 'shadow_first_line_match'],
  ['shownFirstLineMatch', 'shown_first_line_match'],
] as const satisfies ReadonlyArray<readonly [keyof RequestRow, string]>;

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
  ...SHADOW_COLUMNS,
] as const satisfies ReadonlyArray<readonly [keyof RequestRow, string]>;

/** SQL spelling of the definitions in tally.ts (tallyRows is the reference; a test compares). */
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

const COUNTS_SQL = `
  SELECT backend,
    COUNT(*) AS requests,
    TOTAL(outcome = 'error') AS errors,
    TOTAL(outcome = 'cancelled') AS cancelled,
    TOTAL(fallback_reason IS NOT NULL) AS fallbacks,
    TOTAL(cache_tier != 'none') AS cacheHits,
    TOTAL(outcome IN (${sqlList(SHOWN_OUTCOMES)})) AS shown,
    TOTAL(outcome = 'accepted') AS accepted,
    TOTAL(outcome = 'partial') AS partiallyAccepted,
    TOTAL(CASE WHEN cache_tier = 'none' THEN prompt_tokens END) AS promptTokens,
    TOTAL(CASE WHEN cache_tier = 'none' THEN completion_tokens END) AS completionTokens
  FROM requests WHERE ts >= ? AND backend IS NOT NULL
  GROUP BY backend`;

const LATENCIES_SQL = `
  SELECT backend, ttft_ms, e2e_ms, tokens_per_second FROM requests
  WHERE ts >= ? AND backend IS NOT NULL AND cache_tier = 'none'
    AND outcome IN (${sqlList(GENERATED_OUTCOMES)})`;

interface CountsRow {
  backend: BackendId;
  requests: number;
  errors: number;
  cancelled: number;
  fallbacks: number;
  cacheHits: number;
  shown: number;
  accepted: number;
  partiallyAccepted: number;
  promptTokens: number;
  completionTokens: number;
}

type LatencyTuple = [BackendId, number | null, number | null, number | null];

const EXTRA_COLUMNS = ['prompt_hash', 'completion_hash', 'prompt', 'completion', 'prompt_trace'] as const;

export class SqliteRowStore implements RowStore {
  private readonly insert: Database.Statement<unknown[]>;
  private readonly update: Database.Statement<unknown[]>;
  private readonly selectSince: Database.Statement<[number], RequestRow>;
  private readonly selectRecent: Database.Statement<[number, number], RequestRow>;
  private readonly countsByBackend: Database.Statement<[number], CountsRow>;
  private readonly modelsByBackend: Database.Statement<[number], { backend: BackendId; model: string }>;
  private readonly latencies: Database.Statement<[number], LatencyTuple>;
  private readonly deleteBefore: Database.Statement<[number]>;
  private readonly selectFacts: Database.Statement<[string], RowFacts>;
  private readonly selectShadows: Database.Statement<[number], RequestRow>;
  private readonly writeInTransaction: (batch: WriteBatch) => void;
  private dataVersion: number | undefined;

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
    const selectList = [...COLUMNS.map(([field, column]) => `${column} AS ${field}`), 'prompt_trace AS promptTrace'].join(', ');
    this.selectSince = db.prepare(
      `SELECT ${selectList} FROM requests WHERE ts >= ? ORDER BY ts ASC, rowid ASC`,
    );
    this.selectRecent = db.prepare(
      `SELECT ${selectList} FROM requests WHERE ts >= ? ORDER BY ts DESC, rowid DESC LIMIT ?`,
    );
    this.countsByBackend = db.prepare(COUNTS_SQL);
    this.modelsByBackend = db.prepare(
      `SELECT DISTINCT backend, model FROM requests
       WHERE ts >= ? AND backend IS NOT NULL AND model IS NOT NULL`,
    );
    this.latencies = db.prepare(LATENCIES_SQL).raw() as unknown as Database.Statement<[number], LatencyTuple>;
    this.deleteBefore = db.prepare('DELETE FROM requests WHERE ts < ?');
    this.selectFacts = db.prepare(
      'SELECT ts, backend, cache_tier AS cacheTier, outcome FROM requests WHERE id = ?',
    );
    this.selectShadows = db.prepare(
      `SELECT ${selectList} FROM requests WHERE shadow_of IS NOT NULL AND ts >= ? ORDER BY ts ASC, rowid ASC`,
    );
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
    return this.selectSince.all(sinceMs).map(withoutNullOptionals);
  }

  recent(sinceMs: number, limit: number): RequestRow[] {
    return limit > 0 ? this.selectRecent.all(sinceMs, limit).map(withoutNullOptionals) : [];
  }

  shadowRows(sinceMs: number): RequestRow[] {
    return this.selectShadows.all(sinceMs).map(withoutNullOptionals);
  }

  /** Counts and sums in SQL, latency values as raw tuples: no row objects for large windows. */
  tally(sinceMs: number): Tallies {
    const tallies: Tallies = new Map();
    for (const counts of this.countsByBackend.all(sinceMs)) {
      const { backend, ...numbers } = counts;
      Object.assign(tallyOf(tallies, backend), numbers);
    }
    for (const { backend, model } of this.modelsByBackend.all(sinceMs)) {
      tallyOf(tallies, backend).models.add(model);
    }
    for (const [backend, ttftMs, e2eMs, tokensPerSecond] of this.latencies.iterate(sinceMs)) {
      const tally = tallyOf(tallies, backend);
      if (ttftMs !== null) tally.ttftMs.push(ttftMs);
      if (e2eMs !== null) tally.e2eMs.push(e2eMs);
      if (tokensPerSecond !== null) tally.tokensPerSecond.push(tokensPerSecond);
    }
    return tallies;
  }

  deleteOlderThan(beforeMs: number): number {
    return this.deleteBefore.run(beforeMs).changes;
  }

  factsOf(id: string): RowFacts | undefined {
    return this.selectFacts.get(id);
  }

  changedElsewhere(): boolean {
    // data_version moves only when another connection commits, never for our own writes.
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const changed = version !== this.dataVersion;
    this.dataVersion = version;
    return changed;
  }

  close(): void {
    this.db.close();
  }
}

function withoutNullOptionals(row: RequestRow): RequestRow {
  const record = row as unknown as Record<string, unknown>;
  for (const [field] of SHADOW_COLUMNS) if (record[field] === null) delete record[field];
  record.promptTrace = typeof record.promptTrace === 'string' ? parseTrace(record.promptTrace) : undefined;
  if (record.promptTrace === undefined) delete record.promptTrace;
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
    // `?? null`: a caller that left a field out at run time must not fail the batch.
    ...COLUMNS.map(([field]) => request.row[field] ?? null),
    request.promptHash,
    request.completionHash,
    request.prompt,
    request.completion,
    request.row.promptTrace ? JSON.stringify(request.row.promptTrace) : null,
  ];
}

function updateValues(change: OutcomeUpdate): unknown[] {
  return [change.outcome, change.acceptedChars ?? null, change.id];
}
