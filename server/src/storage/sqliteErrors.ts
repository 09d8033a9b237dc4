/** Classifies SQLite failures so callers can choose: move the file aside, wait, or go memory-only. */

/** SQLite result codes as better-sqlite3 reports them (`SqliteError.code`), e.g. 'SQLITE_BUSY'. */
export function sqliteCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The file is not a database or its pages are damaged: only moving it aside helps. */
export function isCorruptionError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

/** Another connection holds a lock longer than our busy timeout. */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * The disk or the file refused the write for now: full (SQLITE_FULL), an I/O error (IOERR*),
 * read-only or unopenable (READONLY*, CANTOPEN*: permissions changed, the folder was unmounted),
 * out of memory. Retrying later on the same file may work, so callers keep their data queued and
 * back off instead of giving the file up for the session.
 */
function isTransientError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  return (
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_NOMEM' ||
    code === 'SQLITE_PROTOCOL' ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN')
  );
}

/** Busy or transient: worth retrying later, with a back-off. */
export function isRetryableError(error: unknown): boolean {
  return isBusyError(error) || isTransientError(error);
}

/**
 * The open connection itself may be stale (the file was replaced or moved, or was opened
 * read-only): a retry should reopen the file rather than reuse the handle.
 */
export function needsReopen(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  return code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR');
}

/** The data was refused (a constraint, a value SQLite cannot bind): only that row is at fault. */
export function isRowError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  // better-sqlite3 throws TypeError / RangeError for values it cannot bind.
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || error instanceof TypeError || error instanceof RangeError;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = sqliteCode(error);
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

/** Raised when a database cannot be used as asked; always carries the SQLite error as `cause`. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}
