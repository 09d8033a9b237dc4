/**
 * Opens a SQLite database for one concern (cache.db, metrics.db) so that storage problems never
 * take the server down:
 * - WAL journal (readers never wait for the writer), `synchronous=NORMAL` (durable at checkpoints,
 *   cheap commits), a short busy timeout: better-sqlite3 is synchronous, so every millisecond
 *   spent waiting on a lock is a millisecond the LSP event loop is frozen.
 * - A corrupt file is moved aside to `<name>.corrupt-<timestamp>` and a fresh one created.
 * - A locked, unwritable or uncreatable location falls back to an in-memory database.
 * - If the native module itself cannot load (e.g. an Electron ABI mismatch), `db` is null and the
 *   caller keeps going without SQLite.
 * Every such fallback is returned in `warnings` and logged, saying what was lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../logger';
import { migrate, type Migration } from './migrations';
import { ensurePrivateDatabaseFile, PRIVATE_DIR_MODE } from './privateFiles';
import { describeError, isBusyError, isCorruptionError, StorageError } from './sqliteErrors';

export const MEMORY_PATH = ':memory:';
export const DEFAULT_BUSY_TIMEOUT_MS = 250;

/** What a store tells the server about where its data lives. */
export interface StorageInfo {
  /** True when the data survives a restart (it is in a file). */
  readonly persistent: boolean;
  /** Problems met while opening storage, one sentence each (also logged). */
  readonly warnings: readonly string[];
}

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:'. A missing directory is created. */
  path: string;
  migrations: readonly Migration[];
  log: Logger;
  /** What the database holds, for messages: 'cached answers', 'request metrics'. */
  contents: string;
  busyTimeoutMs?: number;
  /** Clock for the `.corrupt-<timestamp>` name. */
  now?: () => number;
}

export interface OpenedDatabase {
  /** Null only when SQLite cannot run at all in this process. */
  db: Database.Database | null;
  /** True when `db` is the requested file; false for memory or no database. */
  persistent: boolean;
  /** One sentence per problem met while opening; also logged as warnings. */
  warnings: string[];
  /** Where a corrupt file was moved, when that happened. */
  movedAsideTo?: string;
}

export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.log.warn(message);
  };
  const inMemory = () => openInMemory(options, busyTimeoutMs, warn, warnings);

  if (options.path === MEMORY_PATH) return inMemory();
  const file = path.resolve(options.path);
  try {
    // Folders created here are private; an existing folder is the caller's (see privateFiles.ts).
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    warn(
      `Cannot create the directory for ${file} (${describeError(error)}); ` +
        `keeping ${options.contents} in memory only: they will be lost when the server stops.`,
    );
    return inMemory();
  }

  const privacyProblem = makePrivate(file);
  const first = attemptOpen(file, options.migrations, busyTimeoutMs);
  if (first.db) {
    if (privacyProblem) warn(`Cannot restrict ${file} to its owner (${privacyProblem}); other users may read the ${options.contents}.`);
    return { db: first.db, persistent: true, warnings };
  }
  let failure = first.error;
  let movedAsideTo: string | undefined;
  if (isCorruptionError(failure)) {
    try {
      movedAsideTo = moveAside(file, options.now?.() ?? Date.now());
    } catch (moveError) {
      warn(
        `The database ${file} is corrupt (${describeError(failure)}) and could not be moved ` +
          `aside (${describeError(moveError)}); keeping ${options.contents} in memory only.`,
      );
      return inMemory();
    }
    warn(
      `The database ${file} was corrupt (${describeError(failure)}); moved it to ` +
        `${movedAsideTo} and started an empty one. The ${options.contents} it held are lost.`,
    );
    makePrivate(file);
    const second = attemptOpen(file, options.migrations, busyTimeoutMs);
    if (second.db) return { db: second.db, persistent: true, warnings, movedAsideTo };
    failure = second.error;
  }
  const why = isBusyError(failure) ? `another process holds a lock on it for longer than ${busyTimeoutMs} ms` : describeError(failure);
  warn(
    `Cannot use the database ${file} (${why}); keeping ${options.contents} in memory ` +
      `only for this session: they will be lost when the server stops.`,
  );
  return { ...inMemory(), movedAsideTo };
}

/** Makes the file 0600 before SQLite opens it; returns why not, or undefined. A location where
 * the file cannot even be created is reported by the open that follows, not here. */
function makePrivate(file: string): string | undefined {
  try {
    ensurePrivateDatabaseFile(file);
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/**
 * Opens the file again for a store that already used it this session (after an error that left
 * its handle stale). No fallbacks: throws what SQLite throws, and the caller keeps its old handle.
 */
export function reopenDatabaseFile(
  file: string,
  migrations: readonly Migration[],
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): Database.Database {
  const resolved = path.resolve(file);
  makePrivate(resolved);
  return openOnDisk(resolved, migrations, busyTimeoutMs);
}

type Attempt = { db: Database.Database; error?: undefined } | { db?: undefined; error: unknown };

function attemptOpen(file: string, migrations: readonly Migration[], busyTimeoutMs: number): Attempt {
  try {
    return { db: openOnDisk(file, migrations, busyTimeoutMs) };
  } catch (error) {
    return { error };
  }
}

function openOnDisk(file: string, migrations: readonly Migration[], busyTimeoutMs: number): Database.Database {
  const existed = fs.existsSync(file) && fs.statSync(file).size > 0;
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    if (existed) assertIntact(db);
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** `quick_check` reads every page once: milliseconds for our sizes, and it catches torn pages
 * that the header check at open time does not. */
function assertIntact(db: Database.Database): void {
  const result = db.pragma('quick_check(1)', { simple: true });
  if (result !== 'ok') {
    const error = new StorageError(`integrity check failed: ${String(result).replace(/\s+/g, ' ')}`);
    (error as StorageError & { code: string }).code = 'SQLITE_CORRUPT';
    throw error;
  }
}

/** Renames the file (and its WAL) to `<name>.corrupt-<timestamp>`; drops the shared-memory index. */
function moveAside(file: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  fs.renameSync(file, target);
  if (fs.existsSync(`${file}-wal`)) fs.renameSync(`${file}-wal`, `${target}-wal`);
  fs.rmSync(`${file}-shm`, { force: true });
  return target;
}

function openInMemory(
  options: OpenDatabaseOptions,
  busyTimeoutMs: number,
  warn: (message: string) => void,
  warnings: string[],
): OpenedDatabase {
  try {
    const db = new Database(MEMORY_PATH, { timeout: busyTimeoutMs });
    migrate(db, options.migrations);
    return { db, persistent: false, warnings };
  } catch (error) {
    warn(
      `SQLite is not usable in this process (${describeError(error)}); ` + `keeping ${options.contents} in plain memory without SQLite.`,
    );
    return { db: null, persistent: false, warnings };
  }
}
