/**
 * Measures what the performance panel's host pays per refresh for the charts' rows at a given
 * database size: N rows over the last 24 hours, then the host's read of `tandem/metrics/rows`
 * (the server's read, JSON out and back in, as over the LSP connection) the old way (every row
 * of the window, sorted, the newest 20,000 kept) and with `limit` (the server reads the newest
 * 20,000 newest first and stops). Speed figures are for reports only; no test asserts on them.
 *
 *   node --import tsx scripts/panel-rows-cost.ts [rows=100000]
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { RequestRow } from '../server/src/protocol';
import { MAX_PANEL_ROWS } from '../extension/src/panelRowsSchedule';
import { costDb, fillCostDb, median } from './metrics-cost-db';

const ROWS = Number(process.argv[2] ?? 100_000);
const RUNS = 5;
const HOUR = 3600_000;

function row(index: number, ts: number): RequestRow {
  const local = index % 5 < 3;
  const ttft = 20 + (index % 300);
  return {
    id: `cost-${index}`,
    ts,
    task: index % 10 === 0 ? 'explain' : 'completion',
    language: ['typescript', 'python', 'go', 'rust'][index % 4] as string,
    policy: 'auto',
    decision: 'auto: single-line → local',
    backend: local ? 'local' : 'offload',
    model: local ? 'bundled' : 'qwen',
    cacheTier: index % 7 === 0 ? 'l1' : 'none',
    promptTokens: 200 + (index % 800),
    completionTokens: 1 + (index % 40),
    tokenSource: 'tokenizer',
    ttftMs: ttft,
    e2eMs: ttft + (index % 400),
    tpotMs: 5 + (index % 20),
    decodeTokensPerSecond: 40 + (index % 60),
    promptTokensPerSecond: 1000 + (index % 3000),
    itl: { count: 10, meanMs: 10, p50Ms: 9, p95Ms: 20, maxMs: 30 },
    outcome: index % 4 === 0 ? 'accepted' : 'shown',
    acceptedChars: index % 4 === 0 ? 20 : null,
    errorClass: null,
    fallbackReason: null,
    displayed: 1,
    shownChars: 30,
    costUsd: 0.00001,
  };
}

/** One host read: the server's rows, through JSON as the LSP connection carries them. */
function timed(read: () => RequestRow[], keep: (rows: RequestRow[]) => RequestRow[]): { ms: number; bytes: number; kept: number } {
  const started = performance.now();
  const json = JSON.stringify(read());
  const kept = keep(JSON.parse(json) as RequestRow[]);
  return { ms: performance.now() - started, bytes: json.length, kept: kept.length };
}

const db = costDb('tandem-panel-rows-cost-');
try {
  const now = Date.now();
  fillCostDb(db, ROWS, now, row);

  const recorder = db.open();
  const window = { sinceMs: now - 24 * HOUR - 60_000 };
  const before: ReturnType<typeof timed>[] = [];
  const after: ReturnType<typeof timed>[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Before: every row of the window, sorted and cut to the newest MAX_PANEL_ROWS by the host.
    before.push(
      timed(
        () => recorder.rows(window),
        (rows) => rows.sort((a, b) => a.ts - b.ts).slice(-MAX_PANEL_ROWS),
      ),
    );
    // After: the server reads only the newest MAX_PANEL_ROWS.
    after.push(
      timed(
        () => recorder.rows({ ...window, limit: MAX_PANEL_ROWS }),
        (rows) => rows,
      ),
    );
  }
  recorder.close();
  const line = (name: string, runs: ReturnType<typeof timed>[]) =>
    `${name}: ${runs.map((run) => run.ms.toFixed(0)).join(', ')} ms; median ${median(runs.map((run) => run.ms)).toFixed(0)} ms; ` +
    `${(runs[0]!.bytes / 1e6).toFixed(1)} MB of JSON; ${runs[0]!.kept} rows kept`;
  console.log(`rows in window: ${ROWS}`);
  console.log(line('before (all rows, host keeps the newest)', before));
  console.log(line(`after (limit ${MAX_PANEL_ROWS})`, after));
} finally {
  rmSync(db.dir, { recursive: true, force: true });
}
