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

/** The data was refused (a constraint, a value SQLite cannot bind): only that row is at fault. */
export function isRowError(error: unknown): boolean {
  const code = sqliteCode(error) ?? '';
  // better-sqlite3 throws TypeError / RangeError for values it cannot bind.
  return (
    code.startsWith('SQLITE_CONSTRAINT') ||
    code === 'SQLITE_MISMATCH' ||
    error instanceof TypeError ||
    error instanceof RangeError
  );
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
