/** The pure parts of the panel: filters → params, the export formats, the chart series. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyHistogram, latencyOverTime, latencyVsPrompt, qualityOverTime } from '../../../webview/panel/chartData';
import { RECENT_LIMIT } from '../../../webview/panel/recentModel';
import { filtersToParams, rowMatches, snapshotKey } from '../../../webview/shared/panelFilters';
import { CSV_HEADER, exportFileName, rowsToCsv, rowsToJson } from '../../../webview/shared/rowsExport';
import { requestRow } from '../extension/snapshotFixtures';

describe('panel filters', () => {
  it("become snapshot params: a window from now, only the filters set, the recent table's rows", () => {
    assert.deepEqual(filtersToParams({ range: '1h' }, 10_000_000), { sinceMs: 10_000_000 - 3_600_000, recent: RECENT_LIMIT });
    assert.equal(RECENT_LIMIT, 50);
    assert.deepEqual(filtersToParams({ range: 'all', task: 'explain', backend: 'offload', language: 'go' }, 5), {
      sinceMs: 0,
      recent: RECENT_LIMIT,
      task: 'explain',
      backend: 'offload',
      language: 'go',
    });
  });

  it('match rows and key the report snapshots', () => {
    const row = requestRow({ task: 'completion', backend: 'local', language: 'python' });
    assert.equal(rowMatches(row, { task: 'completion', backend: 'local', language: 'python' }), true);
    assert.equal(rowMatches(row, { backend: 'offload' }), false);
    assert.equal(rowMatches(requestRow({ backend: null }), { backend: 'local' }), false);
    assert.equal(snapshotKey({}), '*|*|*');
    assert.equal(snapshotKey({ task: 'explain', language: 'go' }), 'explain|*|go');
  });
});

describe('row export', () => {
  it('writes every field as a CSV column, nested ones flattened, text quoted and formulas defused', () => {
    const row = requestRow({
      id: 'a',
      ts: 1,
      decision: 'offload, "multi-line"',
      errorClass: '=HYPERLINK("x")',
      itl: { count: 4, meanMs: 10, p50Ms: 9, p95Ms: 20, maxMs: 25 },
      promptTrace: { totalChars: 10, sources: [] } as never,
      survival30s: 0.5,
    });
    const [header, line, end] = rowsToCsv([row]).split('\r\n');
    assert.equal(header, CSV_HEADER.join(','));
    assert.equal(end, '');
    const cells = Object.fromEntries(CSV_HEADER.map((name, index) => [name, parseCsvLine(line!)[index]]));
    assert.equal(cells.decision, 'offload, "multi-line"');
    assert.equal(cells.errorClass, `'=HYPERLINK("x")`);
    assert.equal(cells.itlP95Ms, '20');
    assert.equal(cells.survival30s, '0.5');
    assert.equal(cells.survival120s, '');
    assert.equal(cells.fallbackReason, '');
    assert.deepEqual(JSON.parse(cells.promptTrace!), { totalChars: 10, sources: [] });
  });

  it('writes JSON as the rows themselves, and names files by format and time', () => {
    const rows = [requestRow({ id: 'b' })];
    assert.deepEqual(JSON.parse(rowsToJson(rows)), rows);
    assert.equal(exportFileName('csv', Date.UTC(2024, 4, 1, 12, 30, 0)), 'tandem-metrics-2024-05-01T12-30-00.csv');
  });
});

describe('chart series', () => {
  const rows = [
    requestRow({ ts: 3000, backend: 'offload', e2eMs: 400, ttftMs: 100, promptTokens: 50 }),
    requestRow({ ts: 1000, backend: 'local', e2eMs: 100, ttftMs: 20, promptTokens: 300 }),
    requestRow({ ts: 2000, backend: 'local', e2eMs: 5000, ttftMs: 30, cacheTier: 'l1' }),
    requestRow({ ts: 2500, backend: 'local', e2eMs: 90, outcome: 'error' }),
  ];

  it('plot generated answers over time, one E2E and one TTFT series per backend', () => {
    const chart = latencyOverTime(rows);
    assert.deepEqual(chart.x, [1, 3]);
    assert.deepEqual(
      chart.series.map((series) => [series.label, series.values]),
      [
        ['local E2E', [100, null]],
        ['local TTFT', [20, null]],
        ['offload E2E', [null, 400]],
        ['offload TTFT', [null, 100]],
      ],
    );
  });

  it('bin E2E up to a round 99th percentile, slower requests in the last bin', () => {
    const chart = latencyHistogram([...rows, requestRow({ backend: 'local', e2eMs: 99_000 })], 5);
    // p99 of [100, 400, 99000] is 99000 → 100000: bins of 20 s.
    assert.deepEqual(chart.x, [0, 20_000, 40_000, 60_000, 80_000]);
    assert.deepEqual(chart.series.find((series) => series.backend === 'local')?.values, [1, 0, 0, 0, 1]);
    assert.deepEqual(chart.series.find((series) => series.backend === 'offload')?.values, [1, 0, 0, 0, 0]);
  });

  it('sort latency against prompt tokens', () => {
    assert.deepEqual(latencyVsPrompt(rows).x, [50, 300]);
  });

  it('compute acceptance per time slice over shown completions, survival as means', () => {
    const quality = qualityOverTime(
      [
        requestRow({ ts: 0, outcome: 'accepted', displayed: 1, survival30s: 1 }),
        requestRow({ ts: 10, outcome: 'rejected', displayed: 1, survival30s: 0.5 }),
        requestRow({ ts: 20, outcome: 'shown' }),
        requestRow({ ts: 99, outcome: 'partial', displayed: 1 }),
      ],
      true,
      2,
    );
    assert.deepEqual(
      quality.series.map((series) => series.values),
      [
        [50, 100],
        [75, null],
        [null, null],
      ],
    );
    // Without show events the denominator is what was returned.
    assert.deepEqual(
      qualityOverTime([requestRow({ ts: 0, outcome: 'shown' }), requestRow({ ts: 1, outcome: 'accepted' })], false, 1).series[0]?.values,
      [50],
    );
  });
});

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
