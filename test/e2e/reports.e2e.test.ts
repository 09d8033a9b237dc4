/**
 * The two HTML reports opened in headless Chromium from file:// URLs, as someone outside VS Code
 * would open them: `tandem report --html` (the performance panel, uPlot charts on canvases) from
 * a metrics database the real recorder wrote with both backends, and `tandem bench --quick`'s
 * report.html (SVG charts) from a run against the bundled model and the tests' OpenAI-compatible
 * server. Both must render without a console error and without asking the network for anything.
 * The reports and their screenshots are kept in test-results/e2e/reports/.
 *
 * Needs `npm run build` (dist/cli.js, dist/webview/) and `node scripts/e2e-setup.mjs` (Chromium).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readE2eEnv } from '../../scripts/e2e-codeserver.mjs';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { silentLogger } from '../../server/src/logger';
import { costBasisOf } from '../../server/src/metrics/cost';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { requestRow } from '../support/requestRow';
import { networkRequests, openOffline, type OfflinePage } from './support/offlinePage';
import { readPanel, requestsByBackend, undrawnCharts } from './support/panelReading';
import { CHROMIUM_ARGS, REPORT_ARTIFACTS, ROOT } from './support/session';
import { waitFor } from './support/workbench';

const CLI = join(ROOT, 'dist/cli.js');
/** `tandem bench --quick --scenario latency` on two busy cores: a minute or two, bounded here. */
const BENCH_LIMIT_MS = 8 * 60_000;

/** Rows through the real recorder: 6 local completions (Python), 3 offload completions and 1 offload explanation (TypeScript). */
function writeMetricsDatabase(file: string): void {
  const recorder = openMetricsRecorder({
    dbPath: file,
    config: { ...DEFAULT_CONFIG.metrics, cost: costBasisOf(DEFAULT_CONFIG), showEvents: false },
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: silentLogger,
  });
  const now = Date.now();
  const outcomes = ['accepted', 'shown', 'rejected'] as const;
  for (let i = 0; i < 6; i++) {
    const outcome = outcomes[i % 3]!;
    recorder.record(
      requestRow({
        id: `local-${i}`,
        ts: now - 60_000 * (6 - i),
        backend: 'local',
        model: 'bundled',
        language: 'python',
        promptTokens: 100 + 150 * i,
        completionTokens: 12,
        ttftMs: 40 + 5 * i,
        e2eMs: 90 + 20 * i,
        outcome,
        acceptedChars: outcome === 'accepted' ? 20 : null,
        costUsd: 0.00001,
      }),
    );
  }
  for (let i = 0; i < 3; i++) {
    recorder.record(
      requestRow({
        id: `offload-${i}`,
        ts: now - 30_000 * (3 - i),
        backend: 'offload',
        model: 'codellama',
        language: 'typescript',
        promptTokens: 300 + 200 * i,
        completionTokens: 16,
        ttftMs: 120 + 10 * i,
        e2eMs: 400 + 30 * i,
        outcome: i === 0 ? 'accepted' : 'shown',
        acceptedChars: i === 0 ? 16 : null,
        costUsd: 0.001,
      }),
    );
  }
  recorder.record(
    requestRow({
      id: 'explain-0',
      ts: now - 5_000,
      task: 'explain',
      backend: 'offload',
      model: 'codellama',
      language: 'typescript',
      promptTokens: 800,
      completionTokens: 120,
      ttftMs: 300,
      e2eMs: 2500,
      outcome: 'answered',
      costUsd: 0.002,
    }),
  );
  recorder.close();
}

/** Runs the CLI without blocking this process (the bench's offload server answers from it). */
function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tandem ${args.join(' ')} did not finish within ${timeoutMs} ms; its output so far:\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The problems a report page showed: console errors and requests that were not file: or data:. */
function assertOffline(opened: OfflinePage, what: string): void {
  assert.deepEqual(opened.errors, [], `${what}: no console error (warnings: ${JSON.stringify(opened.warnings)})`);
  assert.deepEqual(networkRequests(opened.requests), [], `${what}: nothing asked from the network`);
  assert.ok(opened.requests.length > 0 && opened.requests[0]!.startsWith('file:'), `${what}: the page itself came from the file`);
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(REPORT_ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

describe('the HTML reports in headless Chromium (file://, offline)', { timeout: BENCH_LIMIT_MS + 180_000 }, () => {
  let browser: Browser;
  let work: string;
  const shots: string[] = [];

  before(async () => {
    rmSync(REPORT_ARTIFACTS, { recursive: true, force: true });
    mkdirSync(REPORT_ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'tandem-e2e-reports-'));
    browser = await chromium.launch({ executablePath: readE2eEnv().chromium, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (shots.length > 0) console.log(`Screenshots:\n${shots.map((shot) => `  ${shot}`).join('\n')}`);
  });

  it('tandem report --html: the panel with both backends, its uPlot charts drawn and the filters working offline', async () => {
    const db = join(work, 'metrics.db');
    const file = join(REPORT_ARTIFACTS, 'metrics-report.html');
    writeMetricsDatabase(db);
    const written = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--html', file], { encoding: 'utf8' });
    assert.equal(written.status, 0, written.stderr);

    const opened = await openOffline(browser, file);
    try {
      const { page } = opened;
      const reading = await waitFor(
        'the report page to fill both backend columns and draw every chart',
        () => readPanel(page),
        (seen) => requestsByBackend(seen, 'all').offload! > 0 && undrawnCharts(seen).length === 0,
      );
      shots.push(await screenshot(page, 'metrics-report'));
      assert.deepEqual(reading.columns, ['local', 'offload']);
      assert.deepEqual(Object.keys(reading.groups), ['all', 'completion', 'explain'], 'rows grouped by task');
      assert.deepEqual(requestsByBackend(reading, 'all'), { local: 6, offload: 4 });
      assert.deepEqual(requestsByBackend(reading, 'completion'), { local: 6, offload: 3 });
      assert.deepEqual(requestsByBackend(reading, 'explain'), { local: 0, offload: 1 });
      assert.equal(reading.recentTasks.length, 10, 'every request in the recent table');
      assert.match(reading.status, /^Report of metrics\.db, written /);
      assert.deepEqual(reading.messages, [], 'neither the empty nor the unavailable state');

      // Task = explanations: the page filters the inlined rows and redraws the charts from them.
      await page.locator('#filter-task').selectOption('explain');
      const explain = await waitFor(
        'the report page to re-render for task = explain',
        () => readPanel(page),
        // One explanation: the three latency charts draw it; the completion-quality chart has nothing.
        (seen) =>
          Object.keys(seen.groups).join() === 'explain' &&
          seen.recentTasks.join() === 'explain' &&
          undrawnCharts(seen)
            .map((line) => line.split(' ')[0])
            .join() === 'chart-quality-time',
      );
      shots.push(await screenshot(page, 'metrics-report-explanations'));
      assert.deepEqual(requestsByBackend(explain, 'explain'), { local: 0, offload: 1 });
      // No completions under this filter: the quality chart says so instead of drawing.
      const quality = explain.charts.find((chart) => chart.id === 'chart-quality-time')!;
      assert.equal(quality.plots, 0);
      assert.match(quality.text, /No completions/);
      assertOffline(opened, 'metrics-report.html');
    } finally {
      await opened.close();
    }
  });

  it('tandem bench --quick --scenario latency: report.html with both backends, its tables and SVG charts, offline', async () => {
    // Long answers cut by max_tokens, so each request streams the asked number of tokens.
    const server = await FakeOpenAIServer.start({
      flavor: 'vllm',
      firstTokenDelayMs: 3,
      tokenDelayMs: 1,
      respond: () => 'tok_'.repeat(1000),
    });
    const out = join(work, 'bench');
    let run: { code: number | null; output: string };
    try {
      run = await runCli(
        ['bench', '--quick', '--scenario', 'latency', '--out', out, '--db', join(work, 'bench.db')],
        { ...process.env, TANDEM_OFFLOAD_URL: server.baseUrl },
        BENCH_LIMIT_MS,
      );
    } finally {
      await server.close();
    }
    assert.equal(run.code, 0, run.output.slice(-4000));
    const file = join(REPORT_ARTIFACTS, 'bench-report.html');
    copyFileSync(join(out, 'report.html'), file);

    const opened = await openOffline(browser, file);
    try {
      const { page } = opened;
      const seen = await page.evaluate(READ_BENCH_REPORT);
      shots.push(await screenshot(page, 'bench-report'));
      const report = seen as BenchReading;
      assert.deepEqual(report.summaryHead, ['Metric', 'Local', 'Offload', 'Offload vs local']);
      const ttft = report.summary.find((row) => row[0]!.startsWith('TTFT p50'));
      assert.ok(ttft, `the executive summary has a TTFT p50 row: ${JSON.stringify(report.summary)}`);
      assert.match(ttft[1]!, /^\d/, `local TTFT filled: ${JSON.stringify(ttft)}`);
      assert.match(ttft[2]!, /^\d/, `offload TTFT filled: ${JSON.stringify(ttft)}`);
      assert.ok(report.headings.includes('Latency'), `a latency section: ${JSON.stringify(report.headings)}`);
      assert.ok(report.tables >= 3, `the summary and the latency tables: ${report.tables}`);
      assert.ok(report.charts.length > 0, 'SVG charts in the report');
      for (const chart of report.charts) {
        assert.ok(
          chart.width > 0 && chart.height > 0,
          `chart "${chart.label}" has a size on the page: ${JSON.stringify({ ...chart, titles: chart.titles.length })}`,
        );
        assert.ok(
          chart.marks > 0,
          `chart "${chart.label}" draws bars, lines or points: ${JSON.stringify({ ...chart, titles: chart.titles.length })}`,
        );
      }
      const plotted = new Set(report.charts.flatMap((chart) => chart.titles.map((title) => title.split(/\s|:/)[0])));
      assert.ok(plotted.has('local') && plotted.has('offload'), `the charts plot both backends: ${JSON.stringify([...plotted])}`);
      assertOffline(opened, 'bench report.html');
    } finally {
      await opened.close();
    }
  });
});

interface BenchReading {
  headings: string[];
  tables: number;
  summaryHead: string[];
  summary: string[][];
  charts: { label: string; width: number; height: number; marks: number; titles: string[] }[];
}

/** Reads the bench report's sections, executive summary and SVG charts (a string: see panelReading.ts). */
const READ_BENCH_REPORT = `(() => {
  const text = (node) => (node && node.textContent ? node.textContent : '').trim();
  const summary = document.getElementById('executive-summary');
  return {
    headings: [...document.querySelectorAll('h2')].map(text),
    tables: document.querySelectorAll('table').length,
    summaryHead: summary ? [...summary.querySelectorAll('thead th')].map(text) : [],
    summary: summary ? [...summary.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map(text)) : [],
    charts: [...document.querySelectorAll('svg.chart')].map((svg) => {
      const box = svg.getBoundingClientRect();
      // Data marks: bars and points carry a <title> (the legend's swatches do not); lines are paths.
      const titled = [...svg.querySelectorAll('rect > title, circle > title')].map(text);
      return { label: svg.getAttribute('aria-label') || '', width: Math.round(box.width), height: Math.round(box.height), marks: titled.length + svg.querySelectorAll('path').length, titles: titled };
    }),
  };
})()`;
