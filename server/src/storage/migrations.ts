/**
 * Schema migrations by `PRAGMA user_version`: migration i (0-based) brings the schema from
 * version i to i + 1. Each runs in its own IMMEDIATE transaction that re-reads the version first,
 * so two processes opening the same file at once (two VS Code windows) cannot apply one twice.
 */
import type Database from 'better-sqlite3';
import { StorageError } from './sqliteErrors';

export interface Migration {
  /** Shown in logs and errors, e.g. 'create answers table'. */
  readonly name: string;
  up(db: Database.Database): void;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the schema up to `migrations.length`; returns how many migrations ran. */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number {
  const start = schemaVersion(db);
  if (start > migrations.length) {
    throw new StorageError(`database schema version ${start} is newer than this Tandem understands (${migrations.length})`);
  }
  let applied = 0;
  for (let version = start; version < migrations.length; version++) {
    const migration = migrations[version];
    if (!migration) break;
    const step = db.transaction(() => {
      // Another process may have migrated between our read and our lock.
      if (schemaVersion(db) !== version) return false;
      migration.up(db);
      db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    if (step.immediate()) applied++;
  }
  return applied;
}
