/**
 * `tandem report --html` on a metrics database written by the recorder: one self-contained file
 * (the page script, uPlot, the CSS and the data inlined, nothing fetched), which renders the
 * same panel in a DOM, with the task / backend / language filters working offline.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { silentLogger } from '../../server/src/logger';
import { costBasisOf } from '../../server/src/metrics/cost';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { REPORT_DATA_ELEMENT_ID, type ReportData } from '../../webview/shared/reportData';
import { requestRow } from '../support/requestRow';
import { stubCanvas, tableText } from '../unit/webview/pageHarness';

const CLI = join(__dirname, '../../dist/cli.js');

function writeDatabase(db: string): void {
  const recorder = openMetricsRecorder({
    dbPath: db,
    config: { ...DEFAULT_CONFIG.metrics, cost: costBasisOf(DEFAULT_CONFIG), showEvents: true },
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: silentLogger,
  });
  const now = Date.now();
  for (let i = 0; i < 6; i++) {
    recorder.record(
      requestRow({
        id: `l${i}`,
        ts: now - 60_000 * (i + 1),
        backend: 'local',
        model: 'bundled',
        language: 'python',
        ttftMs: 40 + i,
        e2eMs: 90 + 10 * i,
        costUsd: 0.00001,
      }),
    );
  }
  for (let i = 0; i < 3; i++) {
    recorder.record(
      requestRow({
        id: `o${i}`,
        ts: now - 30_000 * (i + 1),
        backend: 'offload',
        model: 'codellama',
        language: 'typescript',
        ttftMs: 120 + i,
        e2eMs: 400 + i,
        costUsd: 0.001,
      }),
    );
  }
  recorder.record(
    requestRow({
      id: 'x1',
      ts: now - 5_000,
      task: 'explain',
      backend: 'offload',
      model: 'codellama',
      language: 'typescript',
      ttftMs: 300,
      e2eMs: 2500,
      outcome: 'answered',
      costUsd: 0.002,
    }),
  );
  recorder.close();
}

describe('tandem report --html', () => {
  it('writes one self-contained file with the panel, its data and no external URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-report-html-'));
    try {
      const db = join(dir, 'metrics.db');
      const out = join(dir, 'report.html');
      writeDatabase(db);

      const result = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--html', out], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /Wrote .*report\.html: 10 requests/);
      const html = readFileSync(out, 'utf8');

      // Self-contained: no element loads anything from anywhere.
      assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
      assert.doesNotMatch(html, /<link\b/i);
      assert.doesNotMatch(html, /<script[^>]+\bsrc=/i);
      assert.doesNotMatch(html, /@import|url\(\s*["']?https?:/i);
      assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-/);
      assert.match(html, /\.uplot/, 'uPlot CSS inlined');
      assert.equal(html.match(/<script nonce=/g)?.length, 1, 'one inline page script');

      // The data: rows and a snapshot per filter, all from the recorder.
      const dom = new JSDOM(html, { runScripts: 'dangerously', pretendToBeVisual: true, beforeParse: stubCanvas });
      const doc = dom.window.document;
      const data = JSON.parse(doc.getElementById(REPORT_DATA_ELEMENT_ID)!.textContent!) as ReportData;
      assert.equal(data.source, 'metrics.db');
      assert.equal(data.rows.length, 10);
      const overall = data.snapshots['*|*|*']!;
      assert.deepEqual(overall.backends.map((stat) => [stat.backend, stat.requests]).sort(), [
        ['local', 6],
        ['offload', 4],
      ]);
      assert.ok(data.snapshots['explain|offload|typescript'], 'a snapshot per filter combination');
      assert.equal(overall.memory, undefined, "the report process's memory is not the server's");

      // The page rendered the same panel.
      const stats = tableText(doc.getElementById('stats')!);
      assert.match(stats, /^Metric \| local bundled \| offload codellama\nAll tasks\nRequests \| 6 \| 4\n/);
      assert.match(stats, /\nExplanations\nRequests \| — \| 1\n/);
      for (const id of ['chart-latency-time', 'chart-latency-histogram', 'chart-latency-prompt', 'chart-quality-time']) {
        assert.equal(doc.getElementById(id)!.querySelectorAll('.uplot').length, 1, id);
      }
      assert.equal(doc.querySelectorAll('#recent tbody tr').length, 10);
      assert.match(doc.getElementById('status')!.textContent ?? '', /^Report of metrics\.db, written /);

      // Offline filters: task, backend and language switch to their precomputed snapshot; no
      // time range (the window is fixed when the file is written) and no reset (no server).
      assert.equal((doc.getElementById('filter-range')!.parentElement as HTMLElement).hidden, true);
      assert.equal((doc.getElementById('reset') as HTMLButtonElement).hidden, true);
      const backend = doc.getElementById('filter-backend') as HTMLSelectElement;
      backend.value = 'offload';
      backend.dispatchEvent(new dom.window.Event('change'));
      assert.match(tableText(doc.getElementById('stats')!), /\nRequests \| — \| 4\n/);
      assert.equal(doc.querySelectorAll('#recent tbody tr').length, 4);
      const language = doc.getElementById('filter-language') as HTMLSelectElement;
      assert.deepEqual(
        [...language.options].map((option) => option.value),
        ['', 'python', 'typescript'],
      );

      // Export builds the file in the page (a download of the filtered rows).
      const downloads: string[] = [];
      dom.window.URL.createObjectURL = () => 'blob:report';
      dom.window.URL.revokeObjectURL = () => undefined;
      dom.window.HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        downloads.push(this.download);
      };
      (doc.getElementById('export-csv') as HTMLButtonElement).click();
      assert.match(downloads[0] ?? '', /^tandem-metrics-.*\.csv$/);
      assert.equal(doc.getElementById('notice')!.textContent, 'Exported 4 rows as CSV.');
      dom.window.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks for the output file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-report-html-'));
    try {
      const db = join(dir, 'metrics.db');
      writeDatabase(db);
      const result = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--html'], { encoding: 'utf8' });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /--html <report\.html>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
