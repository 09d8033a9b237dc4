/**
 * The recorder `tandem report` reads a metrics database with: it never deletes or changes a
 * byte of the user's file. The file is opened read-only (no pruning, no migration, no moving a
 * damaged file aside, no chmod: everything openMetricsRecorder does to a database it owns). A
 * file of an older schema is copied into memory and the copy migrated.
 *
 * `showEvents` comes from the rows, not from a setting: when any row of the window says the
 * editor reported it displayed, acceptance is over displayed completions, as the panel of the
 * server that wrote them computed it.
 */
import Database from 'better-sqlite3';
import type { Logger } from '../logger';
import type { MetricsSnapshotParams } from '../protocol';
import { migrate, schemaVersion } from '../storage/migrations';
import { StorageError } from '../storage/sqliteErrors';
import { SqliteMetricsRecorder, type MetricsConfig } from './recorder';
import { METRICS_MIGRATIONS, SqliteRowStore } from './store';
import { snapshotWindow } from './window';

export interface OpenReadOnlyRecorderOptions {
  dbPath: string;
  /** showEvents is derived from the rows (see above). */
  config: Omit<MetricsConfig, 'showEvents'>;
  /** The window the report covers: the rows that decide showEvents. */
  window: MetricsSnapshotParams;
  log: Logger;
  now?: () => number;
  /** How long a read may wait for another process's write lock (default 2 s). */
  busyTimeoutMs?: number;
}

/** Throws (StorageError or SQLite's error) when the file cannot be read. */
export function openReadOnlyRecorder(options: OpenReadOnlyRecorderOptions): SqliteMetricsRecorder {
  const now = options.now ?? Date.now;
  const db = openForReading(options.dbPath, options.busyTimeoutMs ?? 2000);
  try {
    const window = snapshotWindow(options.window, now(), options.config.retentionDays);
    const showEvents =
      db
        .prepare('SELECT EXISTS (SELECT 1 FROM requests WHERE displayed = 1 AND ts >= ? AND ts < ?) AS shown')
        .pluck()
        .get(window.sinceMs, window.untilMs ?? Number.MAX_SAFE_INTEGER) === 1;
    // A report snapshots once: its time buckets would never be read again.
    const store = new SqliteRowStore(db, { cacheBuckets: false, now });
    return new SqliteMetricsRecorder(store, {
      config: { ...options.config, showEvents },
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log: options.log,
      now,
      storage: { persistent: true, warnings: [] },
      readOnly: true,
    });
  } catch (error) {
    db.close();
    throw error;
  }
}

function openForReading(dbPath: string, busyTimeoutMs: number): Database.Database {
  const file = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const version = schemaVersion(file);
    if (version > METRICS_MIGRATIONS.length) {
      throw new StorageError(`${dbPath} has schema version ${version}, newer than this Tandem understands (${METRICS_MIGRATIONS.length})`);
    }
    if (version === METRICS_MIGRATIONS.length) return file;
    // An older schema: migrate a copy in memory, never the user's file.
    const copy = new Database(file.serialize());
    file.close();
    migrate(copy, METRICS_MIGRATIONS);
    return copy;
  } catch (error) {
    if (file.open) file.close();
    throw error;
  }
}
