/**
 * The performance panel's page script in a DOM (jsdom), as VS Code's webview runs it: the
 * handshake with the saved filters, the statistics table (a stable textual snapshot), the four
 * uPlot charts, the recent requests, filters, export, reset, the empty and server-down states,
 * the charts' rows kept between snapshots (the host reads them less often), and the auto routing
 * table from the server status.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bothBackendsRows, bothBackendsSnapshot, snapshot } from '../extension/snapshotFixtures';
import { hostSends, openWebviewPage, tableText } from './pageHarness';

const STATS_TABLE = `Metric | local tandem-tiny | offload qwen2.5-coder-7b
All tasks
Requests | 120 | 40
Errors | 2 (1.7%) | 3 (7.5%)
Timeouts | 1 (0.8%) | 2 (5.0%)
Fallbacks | 0 | 3 (7.5%)
Cancelled | 30 (25%) | 4 (10%)
Cache hit rate | 20% (24) | 10% (3)
Cost | $0.0006 | $0.0031
Cost per 1k requests | $0.0050 | $0.08
Cost per 1k accepted chars | $0.0009 | $0.0039
Completions
Requests | 120 | 30
TTFT p50 · p95 · p99 | 40 ms · 95 ms · 130 ms | 180 ms · 420 ms · 900 ms
TPOT p50 · p95 · p99 | 11 ms · 20 ms · 31 ms | 8 ms · 14 ms · 22 ms
ITL p50 · p95 · p99 | 12 ms · 21 ms · 33 ms | 8 ms · 15 ms · 24 ms
E2E p50 · p95 · p99 | 120 ms · 310 ms · 1.50 s | 400 ms · 950 ms · 2.10 s
Decode speed p50 · mean | 85.3 tok/s · 80.0 tok/s | 120.0 tok/s · 110.0 tok/s
Prompt speed p50 · mean | 2500.0 tok/s · 2400.0 tok/s | 9500.0 tok/s · 9000.0 tok/s
Cache hit rate | 20% (24) | 10% (3)
Acceptance (of shown) | 40% (20 of 50 shown, 5 partial) | 50% (9 of 18 shown)
Typed out · rejected | 3 · 27 | 0 · 9
Char acceptance | 35% (700 of 2,000 chars) | 53% (800 of 1,500 chars)
Survival 30 s | 92% (12 measured) | 80% (5 measured)
Survival 120 s | 85% (8 measured) | —
Syntax validity | 95% valid (1 of 20 broke the parse) | 100% valid (0 of 9 broke the parse)
Errors | 2 (1.7%) | 3 (10%)
Timeouts | 1 (0.8%) | 2 (6.7%)
Fallbacks | 0 | 3 (10%)
Cancelled | 30 (25%) | 4 (13%)
Tokens prompt / completion | 12,000 / 600 | 30,000 / 900
Cost | $0.0006 | $0.0025
Cost per 1k completions | $0.0050 | $0.08
Cost per 1k accepted chars | $0.0009 | $0.0031
Explanations
Requests | — | 10
TTFT p50 · p95 · p99 | — | 280 ms · 600 ms · 700 ms
TPOT p50 · p95 · p99 | — | 14 ms · 25 ms · 30 ms
ITL p50 · p95 · p99 | — | 14 ms · 24 ms · 29 ms
E2E p50 · p95 · p99 | — | 3.00 s · 5.20 s · 6.00 s
Decode speed p50 · mean | — | 71.0 tok/s · 70.0 tok/s
Prompt speed p50 · mean | — | 4100.0 tok/s · 4000.0 tok/s
Cache hit rate | — | 0% (0)
Feedback up · down | — | 3 · 1
Grounding | — | 78% (4 scored)
Errors | — | 0
Timeouts | — | 0
Fallbacks | — | 0
Cancelled | — | 0
Tokens prompt / completion | — | 8,000 / 2,000
Cost | — | $0.0006
Cost per 1k explanations | — | $0.06`;

const CHART_IDS = ['chart-latency-time', 'chart-latency-histogram', 'chart-latency-prompt', 'chart-quality-time'];

function data(overrides: Parameters<typeof bothBackendsSnapshot>[0] = {}) {
  const rows = bothBackendsRows();
  return { type: 'panel/data', data: { snapshot: bothBackendsSnapshot(overrides), rows } };
}

describe('performance panel page (webview)', () => {
  it('says ready, then asks for data with the default filters', async () => {
    const { api } = await openWebviewPage();
    assert.deepEqual(api.posted, [{ type: 'ready' }, { type: 'panel/refresh', filters: { range: '24h' } }]);
  });

  it('restores the filters it saved before being hidden or reloaded', async () => {
    const saved = { filters: { range: '7d', task: 'explain', backend: 'offload', language: 'rust' } };
    const { dom, api } = await openWebviewPage(saved);
    assert.deepEqual(api.posted[1], { type: 'panel/refresh', filters: saved.filters });
    const doc = dom.window.document;
    assert.equal((doc.getElementById('filter-range') as HTMLSelectElement).value, '7d');
    assert.equal((doc.getElementById('filter-task') as HTMLSelectElement).value, 'explain');
    assert.equal((doc.getElementById('filter-backend') as HTMLSelectElement).value, 'offload');
    assert.equal((doc.getElementById('filter-language') as HTMLSelectElement).value, 'rust');
  });

  it('ignores saved state of the wrong shape', async () => {
    const { api } = await openWebviewPage({ filters: { range: 'forever', task: 'drop table' } });
    assert.deepEqual(api.posted[1], { type: 'panel/refresh', filters: { range: '24h' } });
  });

  it('renders the statistics of both backends, grouped by task', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data());
    const doc = dom.window.document;
    assert.equal(tableText(doc.getElementById('stats')!), STATS_TABLE);
    const notes = [...doc.querySelectorAll('#notes li')].map((li) => li.textContent);
    assert.deepEqual(notes, [
      'Before routing: 12 requests ended before a backend was chosen (12 cancelled, 0 errors).',
      'Superseded: 40 completion requests since the server started were replaced by a newer keystroke while waiting out the debounce (no work was done for them, no row kept).',
      'Cache lookups since the server started: 18% hits — memory 20 (13%), disk 2 (1.3%), typing-along 5 (3.3%); misses 123.',
      "Server memory: 220 MB resident, 81 MB JavaScript heap, 12 MB external buffers (the resident figure includes the local model's worker thread).",
    ]);
    assert.equal(doc.getElementById('empty')!.hidden, true);
  });

  it('labels acceptance "returned" when the editor reports no displays', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data({ showEvents: false }));
    const text = tableText(dom.window.document.getElementById('stats')!);
    assert.match(text, /Acceptance \(of returned\) \| 40% \(20 of 60 returned, 5 partial\) \| 50% \(9 of 20 returned\)/);
    assert.doesNotMatch(text, /of shown/);
  });

  it('draws the four charts with uPlot, one series per backend', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data());
    const doc = dom.window.document;
    for (const id of CHART_IDS) {
      const container = doc.getElementById(id)!;
      assert.equal(container.querySelectorAll('.uplot').length, 1, `${id} has one uPlot chart`);
      assert.equal(container.querySelectorAll('canvas').length, 1, `${id} draws on a canvas`);
    }
    const legend = (id: string) => [...doc.querySelectorAll(`#${id} .u-legend .u-label`)].map((label) => label.textContent);
    assert.deepEqual(legend('chart-latency-time'), ['time', 'local E2E', 'local TTFT', 'offload E2E', 'offload TTFT']);
    assert.deepEqual(legend('chart-latency-histogram'), ['E2E ms (bin start)', 'local requests', 'offload requests']);
    assert.deepEqual(legend('chart-latency-prompt'), ['prompt tokens', 'local TTFT', 'local E2E', 'offload TTFT', 'offload E2E']);
    assert.deepEqual(legend('chart-quality-time'), ['time', 'acceptance', 'survival 30 s', 'survival 120 s']);
  });

  it('lists the newest requests first, errors marked', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data());
    const rows = [...dom.window.document.querySelectorAll('#recent tbody tr')];
    assert.equal(rows.length, 25);
    assert.match(rows[0]!.textContent ?? '', /before routing/);
    const error = rows.find((row) => row.classList.contains('tone-error'));
    assert.match(error?.textContent ?? '', /TimeoutError/);
  });

  it('asks for a new snapshot when a filter changes, and saves the filters', async () => {
    const { dom, api } = await openWebviewPage();
    hostSends(dom, data());
    const doc = dom.window.document;
    const language = doc.getElementById('filter-language') as HTMLSelectElement;
    assert.deepEqual(
      [...language.options].map((option) => option.value),
      ['', 'python', 'typescript'],
    );
    const change = (id: string, value: string) => {
      const select = doc.getElementById(id) as HTMLSelectElement;
      select.value = value;
      select.dispatchEvent(new dom.window.Event('change'));
    };
    change('filter-task', 'completion');
    change('filter-backend', 'offload');
    change('filter-language', 'typescript');
    change('filter-range', '1h');
    const expected = { range: '1h', task: 'completion', backend: 'offload', language: 'typescript' };
    assert.deepEqual(api.posted.at(-1), { type: 'panel/refresh', filters: expected });
    assert.deepEqual(JSON.parse(JSON.stringify(api.state)), { filters: expected });
    change('filter-task', '');
    assert.deepEqual(api.posted.at(-1), { type: 'panel/refresh', filters: { range: '1h', backend: 'offload', language: 'typescript' } });
  });

  it('shows only the filtered task group', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data({ filters: { task: 'explain' } }));
    const groups = [...dom.window.document.querySelectorAll('#stats tr.group')].map((row) => row.textContent);
    assert.deepEqual(groups, ['Explanations']);
  });

  it('sends export and reset to the host with the current filters', async () => {
    const { dom, api } = await openWebviewPage({ filters: { range: '30d', backend: 'local' } });
    const doc = dom.window.document;
    (doc.getElementById('export-csv') as HTMLButtonElement).click();
    assert.deepEqual(api.posted.at(-1), { type: 'panel/export', format: 'csv', filters: { range: '30d', backend: 'local' } });
    (doc.getElementById('export-json') as HTMLButtonElement).click();
    assert.deepEqual(api.posted.at(-1), { type: 'panel/export', format: 'json', filters: { range: '30d', backend: 'local' } });
    (doc.getElementById('reset') as HTMLButtonElement).click();
    assert.deepEqual(api.posted.at(-1), { type: 'panel/reset' });
    hostSends(dom, { type: 'panel/notice', message: 'Deleted 40 request rows.' });
    assert.equal(doc.getElementById('notice')!.textContent, 'Deleted 40 request rows.');
    assert.equal(doc.getElementById('notice')!.hidden, false);
  });

  it('keeps the last figures and says why when the server is down', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, data());
    hostSends(dom, { type: 'panel/unavailable', message: 'The Tandem language server is not running.' });
    const doc = dom.window.document;
    assert.equal(doc.getElementById('unavailable')!.hidden, false);
    assert.equal(doc.getElementById('unavailable')!.textContent, 'The Tandem language server is not running.');
    assert.equal(tableText(doc.getElementById('stats')!), STATS_TABLE);
    hostSends(dom, data());
    assert.equal(doc.getElementById('unavailable')!.hidden, true);
  });

  it('shows the empty state with no requests, and charts say so instead of drawing', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, { type: 'panel/data', data: { snapshot: snapshot(), rows: [] } });
    const doc = dom.window.document;
    assert.equal(doc.getElementById('empty')!.hidden, false);
    assert.match(doc.getElementById('empty')!.textContent ?? '', /No requests yet/);
    for (const id of CHART_IDS) assert.equal(doc.getElementById(id)!.querySelectorAll('.uplot').length, 0);
    assert.match(doc.querySelector('#recent tbody')!.textContent ?? '', /No requests in this window/);
    assert.match(tableText(doc.getElementById('stats')!), /^Metric \| local — \| offload —\nAll tasks\nRequests \| — \| —/);
  });

  it('shows the status line and ignores messages it does not know', async () => {
    const { dom } = await openWebviewPage();
    hostSends(dom, { type: 'panel/status', status: { headline: 'Policy auto · local ready', tone: 'warning' } });
    hostSends(dom, { type: 'panel/snapshot', view: {} });
    hostSends(dom, null);
    const status = dom.window.document.getElementById('status')!;
    assert.equal(status.textContent, 'Policy auto · local ready');
    assert.equal(status.className, 'status tone-warning');
  });

  it('never writes HTML from data', async () => {
    const { dom } = await openWebviewPage();
    const row = bothBackendsRows()[0]!;
    const evil = { ...row, model: '<img src=x onerror=alert(1)>', errorClass: '<b>boom</b>' };
    hostSends(dom, { type: 'panel/data', data: { snapshot: bothBackendsSnapshot(), rows: [evil] } });
    const doc = dom.window.document;
    assert.equal(doc.querySelectorAll('#recent img, #recent b').length, 0);
    assert.match(doc.querySelector('#recent tbody')!.textContent ?? '', /<img src=x onerror=alert\(1\)>/);
  });

  it("counts the window's requests from the snapshot, and says when the charts show only the newest", async () => {
    const { dom } = await openWebviewPage();
    const doc = dom.window.document;
    // 120 local + 40 offload + 12 before routing.
    hostSends(dom, data());
    assert.match(doc.getElementById('generated')!.textContent ?? '', /; 172 requests; updated /);
    const rows = bothBackendsRows();
    hostSends(dom, { type: 'panel/data', data: { snapshot: bothBackendsSnapshot(), rows, rowsLimit: rows.length } });
    assert.match(doc.getElementById('generated')!.textContent ?? '', /; 172 requests \(charts show the newest 25\); updated /);
  });

  it('keeps its charts when the host sends a snapshot without rows, and takes the newest outcomes from it', async () => {
    const { dom } = await openWebviewPage();
    const doc = dom.window.document;
    hostSends(dom, data());
    const chart = doc.querySelector('#chart-latency-time .uplot');
    assert.ok(chart);
    const newest = bothBackendsRows().find((row) => row.id === 'offload-11')!;
    const later = { ...newest, outcome: 'accepted' as const, acceptedChars: 9 };
    const fresh = bothBackendsSnapshot({ recent: [later], generatedAt: 1_700_000_200_000 });
    hostSends(dom, { type: 'panel/data', data: { snapshot: fresh } });
    assert.equal(doc.querySelector('#chart-latency-time .uplot'), chart, 'the chart was not redrawn');
    for (const id of CHART_IDS) assert.equal(doc.getElementById(id)!.querySelectorAll('.uplot').length, 1, `${id} still drawn`);
    const recent = [...doc.querySelectorAll('#recent tbody tr')];
    assert.equal(recent.length, 25, 'the kept rows, one replaced by its newer copy');
    const offload11 = recent.filter((row) => /qwen2\.5-coder-7b/.test(row.textContent ?? '') && /accepted/.test(row.textContent ?? ''));
    assert.equal(offload11.length, 1, "the snapshot's copy of the row, with its verdict");
    assert.match(doc.getElementById('generated')!.textContent ?? '', /172 requests/);
    // New rows replace the kept ones and redraw.
    hostSends(dom, { type: 'panel/data', data: { snapshot: fresh, rows: bothBackendsRows().slice(0, 4) } });
    assert.notEqual(doc.querySelector('#chart-latency-time .uplot'), chart);
  });

  it('shows the auto routing table from the status: per bucket the estimates and the pick', async () => {
    const { dom } = await openWebviewPage();
    const doc = dom.window.document;
    assert.equal(doc.getElementById('auto-routing')!.hidden, true, 'hidden until the status reports it');
    hostSends(dom, { type: 'panel/status', status: { headline: 'Policy auto', tone: 'ok' }, routing: ROUTING });
    assert.equal(doc.getElementById('auto-routing')!.hidden, false);
    assert.equal(doc.getElementById('routing-empty')!.hidden, true);
    assert.equal(
      tableText(doc.getElementById('routing')!),
      [
        'Task | Language | Lines | Prompt | Backend | Evidence | TTFT p50 | E2E p50 | Useful | Failures | Cost / request | Auto picks now',
        'completion | python | multi-line | ≤1024 | local | 4.5 | 41 ms | 92 ms | 6.0% | 1.2% | $0 | offload',
        'offload | 3.2 | 1.20 s | 2.61 s | 34% | 5.0% | $0.0003',
        'explain | go | explain | ≤256 | offload | 1.0 | 300 ms | 900 ms | 25% | 4.8% | $0.0001 | offload (fixed rule)',
      ].join('\n'),
    );
    const pick = doc.querySelector('#routing td.pick') as HTMLElement;
    assert.equal(pick.title, 'auto: offload (p50 E2E 2607 ms, useful 34 %; local: p50 E2E 92 ms, useful 6 %)');
    assert.equal(pick.getAttribute('rowspan'), '2');
    assert.deepEqual(
      [...doc.querySelectorAll('#routing tbody tr.picked')].map((row) => row.className),
      ['backend-offload picked', 'backend-offload picked'],
    );
  });

  it('says why the auto routing table is empty, and hides it when the server says nothing', async () => {
    const { dom } = await openWebviewPage();
    const doc = dom.window.document;
    const message = () => (doc.getElementById('routing-empty')!.hidden ? '' : doc.getElementById('routing-empty')!.textContent);
    const send = (routing: unknown) => hostSends(dom, { type: 'panel/status', status: { headline: 'x', tone: 'ok' }, routing });
    send({ policy: 'auto', learned: { use: 'on', objective: 'balanced', buckets: [] } });
    assert.equal(message(), 'Auto has not measured anything yet (objective balanced): its estimates appear after the first requests.');
    assert.equal(doc.getElementById('routing')!.hidden, true);
    send({ policy: 'local', learned: { use: 'policy', objective: 'balanced', buckets: [] } });
    assert.equal(message(), 'Policy is local: auto routing is not in use.');
    send({ policy: 'auto', learned: { use: 'objective-fixed', objective: 'fixed', buckets: [] } });
    assert.match(message() ?? '', /^Objective "fixed": auto follows the fixed rule/);
    send(ROUTING);
    assert.equal(message(), '');
    assert.equal(doc.getElementById('routing')!.hidden, false);
    send(undefined);
    assert.equal(doc.getElementById('auto-routing')!.hidden, true, 'server down or an older server: no table');
  });
});

/** Two buckets: one where learning moved multi-line completions, one the fixed rule decides. */
const ROUTING = {
  policy: 'auto',
  learned: {
    use: 'on',
    objective: 'balanced',
    buckets: [
      {
        bucket: 'completion/python/multi-line/≤1024',
        task: 'completion',
        language: 'python',
        shape: 'multi-line',
        promptSize: '≤1024',
        pick: 'offload',
        pickReason: 'auto: offload (p50 E2E 2607 ms, useful 34 %; local: p50 E2E 92 ms, useful 6 %)',
        learnedPick: true,
        backends: [
          { backend: 'local', evidence: 4.5, ttftP50Ms: 41, e2eP50Ms: 92, useful: 0.06, failure: 0.012, costUsd: 0 },
          { backend: 'offload', evidence: 3.2, ttftP50Ms: 1200, e2eP50Ms: 2607, useful: 0.34, failure: 0.05, costUsd: 0.00031 },
        ],
      },
      {
        bucket: 'explain/go/explain/≤256',
        task: 'explain',
        language: 'go',
        shape: 'explain',
        promptSize: '≤256',
        pick: 'offload',
        pickReason: 'fixed rule: offload (offload not measured recently in this bucket)',
        learnedPick: false,
        backends: [{ backend: 'offload', evidence: 1, ttftP50Ms: 300, e2eP50Ms: 900, useful: 0.25, failure: 0.0476, costUsd: 0.00012 }],
      },
    ],
  },
};
