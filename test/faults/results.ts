/**
 * What each fault test measured, for the closing table. node's test runner runs every file in
 * its own process, so each file writes its part to reports/faults/<part>.json and
 * test/faults/run.ts joins the parts into reports/faults.json and prints the markdown table.
 * Rows are written even when a cell's assertions fail: the table shows today's behaviour.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPORT_DIR = join(__dirname, '../../reports/faults');

export interface FaultCell {
  /** e.g. 'stall-after-headers', or a storage fault such as 'sqlite: kill -9 mid-burst'. */
  fault: string;
  /** Routing policy, or 'storage' for SQLite faults. */
  policy: string;
  requests: number;
  /** Text was shown (completion) or an explanation returned. */
  answered: number;
  /** A completion that showed nothing (LSP has no error for it: the user just sees nothing). */
  empty: number;
  /** An explain answered with an error message. */
  error: number;
  /** Requests an offload attempt was made for, and how many of those fell back to local. */
  offloadAttempts: number;
  fallbacks: number;
  /** Client-measured latency of the answers that came after a fallback. */
  fallbackP50Ms: number | null;
  fallbackP95Ms: number | null;
  /** Offload breaker after the cell ('-' where there is none). */
  breaker: string;
  /** Rows with backend null although an offload attempt was made. */
  rowsWithoutBackend: number;
  rowsLost: number;
  /** The assertions that failed in this cell (empty when it passed). */
  failures: string[];
  note?: string;
}

/** The columns a cell that involves no offload endpoint (storage, settings) fills itself. */
export type CellWithoutOffload = Pick<FaultCell, 'fault' | 'policy' | 'requests' | 'answered' | 'failures' | 'note'> &
  Partial<Pick<FaultCell, 'error' | 'rowsLost'>>;

/** A cell whose offload columns are empty: no attempt, no fallback, no breaker. */
export function cellWithoutOffload(cell: CellWithoutOffload): FaultCell {
  const { fault, policy, requests, answered, failures, note } = cell;
  // Columns in FaultCell's order, so the report files read the same for every kind of cell.
  return {
    fault,
    policy,
    requests,
    answered,
    empty: 0,
    error: cell.error ?? 0,
    offloadAttempts: 0,
    fallbacks: 0,
    fallbackP50Ms: null,
    fallbackP95Ms: null,
    breaker: '-',
    rowsWithoutBackend: 0,
    rowsLost: cell.rowsLost ?? 0,
    failures,
    ...(note !== undefined ? { note } : {}),
  };
}

export function writeReportPart(part: string, cells: readonly FaultCell[]): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${part}.json`), `${JSON.stringify(cells, null, 2)}\n`);
}

/**
 * Runs each check, collecting failures instead of stopping at the first, so one cell reports
 * everything it got wrong; `finish` then fails the test with all of them.
 */
export class Checks {
  readonly failures: string[] = [];

  check(ok: boolean, message: string): void {
    if (!ok) this.failures.push(message);
  }

  finish(): void {
    if (this.failures.length > 0) throw new Error(`${this.failures.length} check(s) failed:\n- ${this.failures.join('\n- ')}`);
  }
}
