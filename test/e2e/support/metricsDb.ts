/**
 * Reads the metrics database that Tandem's server wrote inside code-server (the extension's
 * global storage). That the file exists and holds the requests the UI made is the proof that
 * better-sqlite3 loaded in code-server's Node, rather than the stores falling back to memory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface MetricsRow {
  id: string;
  ts: number;
  task: string;
  language: string;
  decision: string;
  backend: string | null;
  model: string | null;
  cache_tier: string;
  outcome: string;
  accepted_chars: number | null;
  fallback_reason: string | null;
  error_class: string | null;
  e2e_ms: number | null;
}

export function tandemStorageDir(userDataDir: string, extensionId: string): string {
  return join(userDataDir, 'User/globalStorage', extensionId);
}

/** Every row, oldest first; [] while the database does not exist yet. */
export function readMetricsRows(storageDir: string): MetricsRow[] {
  const file = join(storageDir, 'metrics.db');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT id, ts, task, language, decision, backend, model, cache_tier, outcome, accepted_chars,
                fallback_reason, error_class, e2e_ms
           FROM requests ORDER BY ts, rowid`,
      )
      .all() as MetricsRow[];
  } finally {
    db.close();
  }
}
