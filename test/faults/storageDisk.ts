/**
 * Disk conditions for the storage fault tests: a small tmpfs that can be filled (root with mount
 * permission), or, where the machine does not allow a mount, a row
 * store wrapper that makes writes fail with the SQLite error the disk would have given.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RowStore } from '../../server/src/metrics/rowStore';

/** A 512 KiB tmpfs at `dir`, or undefined when mounting is not allowed here. */
export function mountSmallTmpfs(dir: string): { dir: string; unmount(): void } | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir]).status !== 0) return undefined;
  return {
    dir,
    unmount: () => void spawnSync('umount', ['-l', dir]),
  };
}

/** Writes a filler file until the filesystem refuses more (ENOSPC); returns its path. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 0x5a);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/**
 * A row store whose writes fail with `code` (e.g. SQLITE_FULL) while `failing` is set, as
 * better-sqlite3 reports a full disk; everything else goes to the real store.
 */
export function failingWrites(store: RowStore, code: string): { store: RowStore; setFailing(failing: boolean): void } {
  let failing = false;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'write' && failing) {
        return () => {
          throw new Database.SqliteError(`injected ${code}`, code);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, setFailing: (value) => (failing = value) };
}

/** Ids of the request rows in a metrics.db, read through a handle of its own. */
export function storedIds(file: string): Set<string> {
  const db = new Database(file, { fileMustExist: true });
  try {
    return new Set(db.prepare('SELECT id FROM requests').pluck().all() as string[]);
  } finally {
    db.close();
  }
}
