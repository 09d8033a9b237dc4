/**
 * The factory the server calls: builds the answer cache from `TandemConfig['cache']`. Answer text
 * can quote the user's code (a secret in the open file, say), so the disk tier is used only when
 * `cache.persistText` allows it; otherwise answers are cached in memory only and a cache.db left
 * by an earlier version is deleted. (A disk tier of key hashes alone could answer nothing.)
 */
import fs from 'node:fs';
import type { Logger } from '../logger';
import { MEMORY_PATH, openDatabase, type StorageInfo } from '../storage/sqlite';
import { describeError } from '../storage/sqliteErrors';
import { CACHE_MIGRATIONS, DiskTier } from './diskTier';
import { DisabledCache, TwoTierCache, type CacheConfig } from './twoTierCache';
import type { AnswerCache } from './types';

export interface OpenAnswerCacheOptions {
  /** A file path (conventionally `<storage>/cache.db`) or ':memory:'. */
  dbPath: string;
  config: CacheConfig;
  log: Logger;
  /** Clock in ms since epoch; tests inject one to exercise TTL expiry. */
  now?: () => number;
  /** How long one SQLite call may wait for another process's lock (default 250 ms). */
  busyTimeoutMs?: number;
}

export type OpenedAnswerCache = AnswerCache & { readonly storage: StorageInfo };

/** Never throws: storage problems become warnings in `storage.warnings` and a smaller cache. */
export function openAnswerCache(options: OpenAnswerCacheOptions): OpenedAnswerCache {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  if (!config.enabled) return new DisabledCache();
  if (config.diskEntries <= 0 || !config.persistText) {
    if (!config.persistText) removeStoredText(options.dbPath, log);
    return new TwoTierCache(config, undefined, log, now, { persistent: false, warnings: [] });
  }
  const opened = openDatabase({
    path: options.dbPath,
    migrations: CACHE_MIGRATIONS,
    log,
    contents: 'cached answers',
    busyTimeoutMs: options.busyTimeoutMs,
    now,
  });
  const warnings = [...opened.warnings];
  let disk: DiskTier | undefined;
  if (opened.db) {
    try {
      disk = new DiskTier(opened.db, config.diskEntries, config.ttlSeconds * 1000);
    } catch (error) {
      const message = `Preparing the disk cache failed (${describeError(error)}); caching in memory only.`;
      log.warn(message);
      warnings.push(message);
      opened.db.close();
      disk = undefined;
    }
  }
  if (disk) {
    try {
      // Expired rows are dropped here and by eviction, never on the request path.
      disk.purgeExpired(now());
    } catch (error) {
      log.warn(`Dropping expired cache entries failed (${describeError(error)}); next start retries.`);
    }
  }
  return new TwoTierCache(config, disk, log, now, {
    persistent: opened.persistent && disk !== undefined,
    warnings,
  });
}

/** Deletes a cache.db (and its WAL) written while text was allowed on disk, or by an older version. */
function removeStoredText(dbPath: string, log: Logger): void {
  if (dbPath === MEMORY_PATH || !fs.existsSync(dbPath)) return;
  try {
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(file, { force: true });
    log.info(`Deleted ${dbPath}: cached answers are kept on disk only when tandem.cache.persistText is on.`);
  } catch (error) {
    log.warn(`Cannot delete ${dbPath} (${describeError(error)}); it may still hold cached answer text.`);
  }
}
