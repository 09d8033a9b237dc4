/**
 * Measures what one metrics snapshot costs at a given database size (issue 11, round 5):
 * a database of N rows spread over the last 24 hours, then 5 times "record one new row, write
 * it, take the default-window snapshot", reporting each time and the median. Speed figures are
 * for reports only; no test asserts on them.
 *
 *   node --import tsx scripts/snapshot-cost.ts [rows=100000]
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Outcome, RequestRow } from '../server/src/protocol';
import { costDb, fillCostDb, median } from './metrics-cost-db';

const ROWS = Number(process.argv[2] ?? 100_000);
const OUTCOMES: Outcome[] = ['shown', 'accepted', 'rejected', 'partial', 'empty', 'cancelled', 'error', 'answered'];
const LANGUAGES = ['typescript', 'python', 'go', 'rust'];

/** Deterministic pseudo-random numbers (mulberry32), so every run writes the same rows. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function row(index: number, ts: number, next: () => number): RequestRow {
  const backend = next() < 0.6 ? 'local' : 'offload';
  const outcome = OUTCOMES[Math.floor(next() * OUTCOMES.length)] as Outcome;
  const cached = next() < 0.2;
  const ttft = 20 + next() * 300;
  return {
    id: `bench-${index}`,
    ts,
    task: next() < 0.9 ? 'completion' : 'explain',
    language: LANGUAGES[index % LANGUAGES.length] as string,
    policy: 'auto',
    decision: 'bench',
    backend: next() < 0.03 ? null : backend,
    model: backend === 'local' ? 'bundled' : 'qwen',
    cacheTier: cached ? (next() < 0.5 ? 'l1' : 'l2') : 'none',
    promptTokens: 200 + Math.floor(next() * 800),
    completionTokens: 1 + Math.floor(next() * 40),
    tokenSource: 'tokenizer',
    ttftMs: ttft,
    e2eMs: ttft + next() * 400,
    tpotMs: 5 + next() * 20,
    decodeTokensPerSecond: 40 + next() * 60,
    promptTokensPerSecond: 1000 + next() * 3000,
    itl: { count: 10, meanMs: 10, p50Ms: 9, p95Ms: 20, maxMs: 30 },
    outcome,
    acceptedChars: outcome === 'accepted' ? 20 : null,
    errorClass: outcome === 'error' ? 'TimeoutError' : null,
    fallbackReason: null,
    displayed: next() < 0.5 ? 1 : undefined,
    shownChars: 30,
    costUsd: 0.00001,
  };
}

const db = costDb('tandem-snapshot-cost-');
try {
  const now = Date.now();
  const next = random(11);
  fillCostDb(db, ROWS, now, (index, ts) => row(index, ts, next));

  const recorder = db.open();
  let started = performance.now();
  const first = recorder.snapshot({ recent: 50 });
  const firstMs = performance.now() - started;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    recorder.record(row(ROWS + i, Date.now(), next));
    recorder.flush();
    started = performance.now();
    recorder.snapshot({ recent: 50 });
    times.push(performance.now() - started);
  }
  recorder.close();
  const requests = first.backends.reduce((sum, stats) => sum + stats.requests, 0) + first.beforeRouting.requests;
  console.log(`rows in window: ${requests}`);
  console.log(`first snapshot: ${firstMs.toFixed(1)} ms`);
  console.log(`after one new row each: ${times.map((ms) => ms.toFixed(1)).join(', ')} ms; median ${median(times).toFixed(1)} ms`);
} finally {
  // SNAPSHOT_COST_KEEP=1 keeps the database for a closer look (its path is printed).
  if (process.env.SNAPSHOT_COST_KEEP) console.log(`kept ${db.dbPath}`);
  else rmSync(db.dir, { recursive: true, force: true });
}
