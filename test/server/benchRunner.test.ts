/**
 * `tandem bench --quick` end to end: every scenario against the bundled local model and the
 * tests' OpenAI-compatible server (TANDEM_OFFLOAD_URL) in one run, through the CLI entry point.
 * Checks report.json against report.schema.json, that both columns of the executive summary are
 * filled, the HTML is self-contained with its tables and charts, the run is in SQLite, and
 * --compare of a report with itself finds nothing. Not timed (the machine is shared).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { benchMain } from '../../server/src/bench/runner/benchMain';
import { reportProblems } from '../../server/src/bench/runner/reportSchema';
import type { BenchReport } from '../../server/src/bench/runner/reportTypes';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';

describe('tandem bench --quick (bundled model + fake offload server)', () => {
  let server: FakeOpenAIServer;
  let dir: string;
  let report: BenchReport;
  let exitCode: number;
  const logged: string[] = [];

  before(async () => {
    // Long answers, cut by max_tokens, so every request streams the asked number of tokens.
    server = await FakeOpenAIServer.start({ flavor: 'vllm', firstTokenDelayMs: 3, tokenDelayMs: 1, respond: () => 'tok_'.repeat(1000) });
    dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
    const saved = { url: process.env.TANDEM_OFFLOAD_URL, log: console.log };
    process.env.TANDEM_OFFLOAD_URL = server.baseUrl;
    console.log = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      // stress, cache and quality: test/server/benchScenarios.test.ts, on shorter plans.
      exitCode = await benchMain([
        '--quick',
        '--scenario',
        'latency,throughput,memory,cost',
        '--out',
        join(dir, 'run'),
        '--db',
        join(dir, 'bench.db'),
      ]);
    } finally {
      console.log = saved.log;
      if (saved.url === undefined) delete process.env.TANDEM_OFFLOAD_URL;
      else process.env.TANDEM_OFFLOAD_URL = saved.url;
    }
    report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as BenchReport;
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every scenario on both backends without errors', () => {
    assert.equal(exitCode, 0, logged.join('\n'));
    assert.deepEqual(
      report.backends.map((b) => [b.id, b.errors]),
      [
        ['local', []],
        ['offload', []],
      ],
    );
    for (const backend of report.backends) {
      assert.ok(backend.latency && backend.latency.cells.length > 0, `${backend.id} latency`);
      for (const cell of backend.latency.cells) {
        assert.equal(cell.ttftMs.count, cell.runs, `${backend.id} ${cell.id}: every run measured, warm-up excluded`);
        assert.equal(cell.measuredOutputTokens, cell.outputTokens, `${backend.id} ${cell.id} generated the asked tokens`);
        assert.ok(cell.tpotMs.count > 0 && cell.itlMs.count > 0);
        assert.ok(cell.ttftMs.p50 <= cell.e2eMs.p50);
        assert.equal(cell.samples.e2eMs.length, cell.runs);
      }
      assert.ok(backend.throughput && backend.throughput.closedLoop.length === 3 && backend.throughput.openLoop.length === 2);
      assert.ok(backend.throughput.saturation !== null);
      assert.ok(backend.memory && backend.memory.series.rssMb.length === report.configuration.memory.requests);
      assert.ok(backend.memory.leakRateMbPerHour.stdError !== null);
      assert.ok(backend.cost && backend.cost.requests > 0);
    }
    const local = report.backends[0]!;
    assert.equal(local.model?.tokenizer, 'model');
    assert.equal(local.latency!.cells[0]!.measuredPromptTokens! <= 128, true, 'prompts cut to the length with the model tokenizer');
  });

  it('writes report.json that satisfies its JSON Schema', () => {
    assert.deepEqual(reportProblems(report), []);
    assert.deepEqual(reportProblems({ ...report, schemaVersion: 2 }), ['$.schemaVersion: must be 1']);
    for (const metric of ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs', 'leakRateMbPerHour', 'goodput.requestsPerSecond']) {
      assert.ok(report.metrics[metric]?.definition && report.metrics[metric]?.unit, metric);
    }
  });

  it('fills both columns of the executive summary', () => {
    for (const metric of ['TTFT p50 (shortest prompt)', 'TPOT p50', 'Peak throughput (closed loop)', 'Process RSS after load']) {
      const row = report.summary.find((r) => r.metric === metric);
      assert.ok(row && row.local !== null && row.offload !== null, metric);
    }
    assert.equal(
      report.summary.find((r) => r.metric === 'Memory added by the model')?.offload,
      null,
      'the offload model is not in this process',
    );
    assert.match(logged.join('\n'), /TTFT p50 \(shortest prompt\)/);
  });

  it('writes a self-contained report.html with the summary table and charts', () => {
    const html = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
    assert.match(html, /<table id="executive-summary">/);
    assert.ok((html.match(/<svg class="chart"/g) ?? []).length >= 4, 'latency, throughput and memory charts');
    // The offload URL appears as data in the environment table; nothing is loaded from anywhere.
    assert.doesNotMatch(html, /\s(src|href)=|<script|<link |@import|url\(/, 'no external resource, no script');
  });

  it('stores the run in SQLite', () => {
    const db = new Database(join(dir, 'bench.db'), { readonly: true });
    try {
      const run = db.prepare('SELECT run_id, quick, backends FROM bench_runs').all();
      assert.deepEqual(run, [{ run_id: report.runId, quick: 1, backends: 'local,offload' }]);
      const figures = db.prepare('SELECT COUNT(*) AS n FROM bench_summary WHERE run_id = ?').get(report.runId) as { n: number };
      assert.equal(figures.n, report.summary.length * 2);
    } finally {
      db.close();
    }
  });

  it('--compare of a report with itself flags nothing', async () => {
    const file = join(dir, 'run', 'report.json');
    logged.length = 0;
    const saved = console.log;
    console.log = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      assert.equal(await benchMain(['--compare', file, file]), 0);
    } finally {
      console.log = saved;
    }
    assert.match(logged.join('\n'), /0 regression\(s\), 0 improvement\(s\), \d+ comparisons/);
  });
});
