/**
 * Tandem's storage holds request metrics (and, when allowed, prompts and answers): only the user
 * may read it. The folder is 0700 and every database file 0600, whatever the umask, including
 * folders and files left 0755 / 0644 by earlier versions. SQLite gives a database's -wal and -shm
 * files the permissions of the database file, so securing the database file before SQLite opens
 * it covers them too; existing ones are tightened here as well. On Windows chmod only toggles
 * the read-only flag, so these calls change nothing there.
 */
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates Tandem's storage folder `dir` (and missing parents) and makes it 0700. Throws when it
 * cannot be created. An existing folder that is plainly shared is left alone: one with the sticky
 * bit (like /tmp) or owned by another user, in case TANDEM_HOME points somewhere unexpected.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = fs.statSync(dir);
  const ownedByUs = process.getuid === undefined || stat.uid === process.getuid();
  const shared = (stat.mode & 0o1000) !== 0;
  if (ownedByUs && !shared) tighten(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes the database file (created empty when missing: SQLite treats an empty file as a new
 * database) and its existing -wal / -shm companions 0600.
 */
export function ensurePrivateDatabaseFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (fs.existsSync(path)) tighten(path, PRIVATE_FILE_MODE);
  }
}

function tighten(path: string, mode: number): void {
  if ((fs.statSync(path).mode & 0o777) !== mode) fs.chmodSync(path, mode);
}
