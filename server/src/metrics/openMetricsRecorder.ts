/** The factory the server calls: the metrics recorder over `<storage>/metrics.db`. */
import type { CacheCounters } from '../cache/types';
import type { Logger } from '../logger';
import type { ModelMemory } from '../protocol';
import { openDatabase, reopenDatabaseFile } from '../storage/sqlite';
import { describeError } from '../storage/sqliteErrors';
import { SqliteMetricsRecorder, type MetricsConfig } from './recorder';
import { UnavailableRowStore, type RowStore } from './rowStore';
import { METRICS_MIGRATIONS, openMemoryRowStore, SqliteRowStore } from './store';

export interface OpenMetricsRecorderOptions {
  /** A file path (conventionally `<storage>/metrics.db`) or ':memory:'. */
  dbPath: string;
  config: MetricsConfig;
  /** Read at each snapshot, e.g. `() => cache.counters()`. */
  cacheCounters: () => CacheCounters;
  log: Logger;
  now?: () => number;
  /** How long one SQLite call may wait for another process's lock (default 250 ms). */
  busyTimeoutMs?: number;
  /** Delay before queued rows are written (default 250 ms). */
  flushDelayMs?: number;
  /** The local models' memory as measured at load (LocalBackend.modelMemory). */
  modelMemory?: () => ModelMemory[];
}

/** Never throws: storage problems become warnings in `storage.warnings` and a memory store. */
export function openMetricsRecorder(options: OpenMetricsRecorderOptions): SqliteMetricsRecorder {
  const now = options.now ?? Date.now;
  const opened = openDatabase({
    path: options.dbPath,
    migrations: METRICS_MIGRATIONS,
    log: options.log,
    contents: 'request metrics',
    busyTimeoutMs: options.busyTimeoutMs,
    now,
  });
  const warnings = [...opened.warnings];
  let store: RowStore = new UnavailableRowStore();
  let persistent = false;
  if (!opened.db) {
    // Every statistic is SQL (aggregateSql.ts): without SQLite there is nothing to count with.
    const message = 'Request metrics are not recorded in this session: SQLite cannot run in this process.';
    options.log.warn(message);
    warnings.push(message);
  } else {
    try {
      store = new SqliteRowStore(opened.db, { now });
      persistent = opened.persistent;
    } catch (error) {
      const message = `Preparing the metrics database failed (${describeError(error)}); ` + 'keeping metrics in memory.';
      options.log.warn(message);
      warnings.push(message);
      opened.db.close();
      store = inMemoryOrNothing();
    }
  }
  return new SqliteMetricsRecorder(store, {
    config: options.config,
    cacheCounters: options.cacheCounters,
    log: options.log,
    now,
    storage: { persistent, warnings },
    flushDelayMs: options.flushDelayMs,
    modelMemory: options.modelMemory,
    reopen: persistent ? () => reopenStore(options.dbPath, options.busyTimeoutMs, now) : undefined,
  });
}

function reopenStore(dbPath: string, busyTimeoutMs: number | undefined, now: () => number): RowStore {
  const db = reopenDatabaseFile(dbPath, METRICS_MIGRATIONS, busyTimeoutMs);
  try {
    return new SqliteRowStore(db, { now });
  } catch (error) {
    db.close();
    throw error;
  }
}

function inMemoryOrNothing(): RowStore {
  try {
    return openMemoryRowStore();
  } catch {
    return new UnavailableRowStore();
  }
}
