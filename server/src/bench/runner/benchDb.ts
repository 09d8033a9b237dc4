/**
 * Bench runs kept in SQLite, so runs can be listed and queried across report folders:
 * default `reports/bench/bench.db` (the parent of the timestamped --out folders; --db moves it).
 * Its own small database, not the metrics database: benchmark requests are not user traffic
 * and must not enter the panel's statistics.
 *   bench_runs:    one row per run, with the whole report.json;
 *   bench_summary: the executive summary's figures, one row per (run, metric, backend).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchReport } from './reportTypes';

export function storeRun(dbPath: string, report: BenchReport, outDir: string): void {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS bench_runs (
        run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, schema_version INTEGER NOT NULL,
        quick INTEGER NOT NULL, backends TEXT NOT NULL, scenarios TEXT NOT NULL, out_dir TEXT NOT NULL,
        report_json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS bench_summary (
        run_id TEXT NOT NULL REFERENCES bench_runs(run_id), metric TEXT NOT NULL, unit TEXT NOT NULL,
        backend TEXT NOT NULL, value REAL, PRIMARY KEY (run_id, metric, backend));`);
    const insertRun = db.prepare('INSERT OR REPLACE INTO bench_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const insertFigure = db.prepare('INSERT OR REPLACE INTO bench_summary VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      insertRun.run(
        report.runId,
        report.startedAt,
        report.schemaVersion,
        report.configuration.quick ? 1 : 0,
        report.configuration.backends.join(','),
        report.configuration.scenarios.join(','),
        outDir,
        JSON.stringify(report),
      );
      for (const row of report.summary) {
        for (const backend of ['local', 'offload'] as const) {
          if (report.configuration.backends.includes(backend)) insertFigure.run(report.runId, row.metric, row.unit, backend, row[backend]);
        }
      }
    })();
  } finally {
    db.close();
  }
}
