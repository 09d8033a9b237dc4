/**
 * The cost scripts' database (snapshot-cost.ts, panel-rows-cost.ts): a metrics database in a
 * fresh temporary folder, filled through the real recorder with rows spread over the last day.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../server/src/config';
import { silentLogger } from '../server/src/logger';
import { costBasisOf } from '../server/src/metrics/cost';
import { openMetricsRecorder } from '../server/src/metrics/openMetricsRecorder';
import type { RequestRow } from '../server/src/protocol';

const HOUR = 3600_000;

export interface CostDb {
  dir: string;
  dbPath: string;
  /** A recorder on the database, configured as every cost script's. */
  open(): ReturnType<typeof openMetricsRecorder>;
}

/** A fresh temporary folder for the database; the caller removes `dir` in its `finally`. */
export function costDb(prefix: string): CostDb {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(dir, 'metrics.db');
  const config = { ...DEFAULT_CONFIG.metrics, cost: costBasisOf(DEFAULT_CONFIG), showEvents: true };
  const cacheCounters = () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 });
  return { dir, dbPath, open: () => openMetricsRecorder({ dbPath, config, cacheCounters, log: silentLogger }) };
}

/** Writes `rows` rows spread evenly over the 24 hours before `now`, flushed every 5,000. */
export function fillCostDb(db: CostDb, rows: number, now: number, row: (index: number, ts: number) => RequestRow): void {
  const writer = db.open();
  for (let i = 0; i < rows; i++) {
    writer.record(row(i, now - 24 * HOUR + Math.floor(((i + 0.5) / rows) * 24 * HOUR)));
    if (i % 5000 === 4999) writer.flush();
  }
  writer.close();
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
