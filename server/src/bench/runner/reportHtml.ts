/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external resource)
 * with the executive summary local vs offload, then each scenario's tables and charts, then the
 * machine, software and configuration the figures were measured with.
 */
import type { BackendReport, BenchReport, CacheOutcome, LatencyCell, LoadLevel, SummaryRow, TextScores } from './reportTypes';
import type { Distribution } from './stats';
import { enginesSection } from './enginesHtml';
import { barChart, COLORS, escapeHtml, lineChart } from './svgCharts';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f2f2f2}figure{display:inline-block;margin:8px 16px 8px 0}
figcaption{font-weight:600;font-size:12px}.note{color:#666;font-size:12px}.bad{color:#b00}`;

export function renderReportHtml(report: BenchReport): string {
  const sections = [
    `<h1>Tandem benchmark</h1><p class="note">${escapeHtml(`${report.startedAt} · ${report.configuration.quick ? 'quick' : 'full'} run · ${(report.durationMs / 1000).toFixed(0)} s · schema v${report.schemaVersion} · run ${report.runId}`)}</p>`,
    `<h2>Executive summary</h2>${summaryTable(report.summary)}`,
    latencySection(report.backends),
    throughputSection(report.backends),
    memorySection(report.backends),
    stressSection(report.backends),
    cacheSection(report.backends),
    qualitySection(report.backends),
    costSection(report.backends),
    enginesSection(report.engines),
    errorsSection(report.backends),
    environmentSection(report),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tandem benchmark ${escapeHtml(report.startedAt)}</title><style>${CSS}</style></head><body>${sections.join('\n')}</body></html>\n`;
}

function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.01) return value.toPrecision(2);
  return value.toFixed(digits);
}

function table(head: string[], rows: string[][], id?: string): string {
  return `<table${id ? ` id="${id}"` : ''}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function summaryTable(rows: readonly SummaryRow[]): string {
  return table(
    ['Metric', 'Local', 'Offload', 'Offload vs local'],
    rows.map((row) => [
      `${escapeHtml(row.metric)} <span class="note">(${escapeHtml(row.unit)}, ${row.better} is better)</span>`,
      fmt(row.local, summaryDigits(row.unit)),
      fmt(row.offload, summaryDigits(row.unit)),
      row.local && row.offload !== null ? `${fmt(row.offload / row.local, 2)}×` : '—',
    ]),
    'executive-summary',
  );
}

/** Ratios (the engines rows) need two decimals to show a 5 % difference. */
function summaryDigits(unit: string): number {
  return unit === 'USD' ? 6 : unit === '×' ? 2 : 1;
}

function distributionRow(label: string, d: Distribution): string[] {
  return [
    escapeHtml(label),
    String(d.count),
    ...[d.p50, d.p90, d.p95, d.p99, d.mean, d.std, d.min, d.max].map((v) => (d.count ? fmt(v) : '—')),
  ];
}

/** One series per backend, named and coloured as in every chart of the report. */
function backendSeries<T extends object>(
  backends: readonly BackendReport[],
  data: (backend: BackendReport) => T,
): Array<{ name: string; color: string } & T> {
  return backends.map((b) => ({ name: b.id, color: COLORS[b.id] ?? '#555', ...data(b) }));
}

const DIST_HEAD = ['Metric', 'n', 'p50', 'p90', 'p95', 'p99', 'mean', 'std', 'min', 'max'];

function latencySection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.latency);
  if (measured.length === 0) return '';
  const ids = [...new Set(measured.flatMap((b) => b.latency!.cells.map((c) => c.id)))];
  const cellOf = (b: BackendReport, id: string): LatencyCell | undefined => b.latency!.cells.find((c) => c.id === id);
  const charts = (['ttftMs', 'e2eMs'] as const).map((metric) =>
    barChart(
      `${metric === 'ttftMs' ? 'TTFT' : 'E2E'} p50 by prompt × output tokens`,
      'ms',
      ids,
      backendSeries(measured, (b) => ({
        values: ids.map((id) => {
          const cell = cellOf(b, id);
          return cell && cell[metric].count ? cell[metric].p50 : null;
        }),
      })),
    ),
  );
  const tables = measured.map((b) => {
    const cells = b.latency!.cells.map(
      (c) =>
        `<h4>${escapeHtml(`${b.id} · ${c.id}: prompt ${fmt(c.measuredPromptTokens, 0)} tokens, output ${fmt(c.measuredOutputTokens, 0)} tokens, ${c.runs} runs after ${c.warmup} warm-up, ${c.errors} errors`)}</h4>` +
        table(DIST_HEAD, [
          distributionRow('TTFT (ms)', c.ttftMs),
          distributionRow('TPOT (ms)', c.tpotMs),
          distributionRow('ITL (ms)', c.itlMs),
          distributionRow('E2E (ms)', c.e2eMs),
          distributionRow('Decode (tokens/s)', c.decodeTokensPerSecond),
          distributionRow('Prefill (tokens/s)', c.promptTokensPerSecond),
        ]),
    );
    const skipped = b.latency!.skipped.length
      ? `<p class="note">${escapeHtml(`${b.id}: skipped ${b.latency!.skipped.map((s) => `${s.promptTokens}×${s.outputTokens}`).join(', ')}: ${b.latency!.skipped[0]?.reason ?? ''}`)}</p>`
      : '';
    return cells.join('') + skipped;
  });
  return `<h2>Latency</h2>${charts.join('')}${tables.join('')}`;
}

function levelRow(level: LoadLevel): string[] {
  return [
    level.mode === 'closed' ? `closed, ${level.concurrency} in flight` : `open, ${fmt(level.offeredRps, 2)} req/s offered`,
    String(level.requests),
    String(level.errors),
    fmt(level.requestsPerSecond, 2),
    fmt(level.outputTokensPerSecond),
    `${fmt(level.goodput.requestsPerSecond, 2)} (${fmt(level.goodput.fraction * 100, 0)} %)`,
    fmt(level.ttftMs.p50),
    fmt(level.ttftMs.p95),
    fmt(level.e2eMs.p50),
    fmt(level.e2eMs.p95),
  ];
}

function throughputSection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.throughput);
  if (measured.length === 0) return '';
  const chart = lineChart(
    'Closed loop: requests/s by concurrency',
    'concurrency',
    'requests/s',
    backendSeries(measured, (b) => ({
      points: b.throughput!.closedLoop.map((l) => [l.concurrency ?? 0, l.requestsPerSecond] as [number, number]),
    })),
  );
  const latencyChart = lineChart(
    'Closed loop: E2E p95 by concurrency',
    'concurrency',
    'ms',
    backendSeries(measured, (b) => ({
      points: b.throughput!.closedLoop.map((l) => [l.concurrency ?? 0, l.e2eMs.p95] as [number, number]),
    })),
  );
  const tables = measured.map((b) => {
    const t = b.throughput!;
    const sat = t.saturation;
    return (
      `<h4>${escapeHtml(`${b.id}: prompt ${t.promptTokens} tokens, output ${t.outputTokens} tokens; SLO TTFT ≤ ${t.slo.ttftMs} ms, E2E ≤ ${t.slo.e2eMs} ms`)}</h4>` +
      table(
        ['Load', 'Requests', 'Errors', 'Requests/s', 'Output tokens/s', 'Goodput req/s', 'TTFT p50', 'TTFT p95', 'E2E p50', 'E2E p95'],
        [...t.closedLoop, ...t.openLoop].map(levelRow),
      ) +
      (sat
        ? `<p>${escapeHtml(`Saturation at concurrency ${sat.concurrency}: ${fmt(sat.requestsPerSecond, 2)} requests/s, TTFT p50 ${fmt(sat.ttftP50Ms)} ms / p95 ${fmt(sat.ttftP95Ms)} ms, E2E p50 ${fmt(sat.e2eP50Ms)} ms / p95 ${fmt(sat.e2eP95Ms)} ms (${sat.rule}).`)}</p>`
        : '')
    );
  });
  return `<h2>Throughput</h2>${chart}${latencyChart}${tables.join('')}`;
}

function memorySection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.memory);
  if (measured.length === 0) return '';
  const chart = lineChart(
    'Process RSS after each request',
    'request',
    'MB',
    backendSeries(measured, (b) => ({
      points: b.memory!.series.rssMb.map((mb, i) => [i + 1, mb] as [number, number]),
    })),
  );
  const slope = (s: { slope: number | null; stdError: number | null }, digits: number) =>
    `${fmt(s.slope, digits)} ± ${fmt(s.stdError, digits)}`;
  const rows = measured.map((b) => {
    const m = b.memory!;
    return [
      b.id,
      fmt(m.rssBeforeLoadMb),
      fmt(m.rssAfterLoadMb),
      fmt(m.modelMemoryMb),
      fmt(m.peakRssMb),
      String(m.requests),
      slope(m.perRequestGrowthMb, 3),
      slope(m.leakRateMbPerHour, 1),
    ];
  });
  return `<h2>Memory</h2>${chart}${table(['Backend', 'RSS before load (MB)', 'RSS after load (MB)', 'Model (MB)', 'Peak RSS (MB)', 'Requests', 'Growth (MB/request ± s.e.)', 'Leak rate (MB/hour ± s.e.)'], rows)}<p class="note">RSS of the Tandem process; for offload that is the client only.</p>`;
}

const PHASE_COLORS: Record<string, string> = { sustained: '#2b7bb9', burst: '#c0392b', recovery: '#27ae60' };

function stressSection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.stress);
  if (measured.length === 0) return '';
  const parts = measured.map((b) => {
    const s = b.stress!;
    const phases = ['sustained', 'burst', 'recovery'];
    const chart = lineChart(
      `${b.id}: E2E of each request by arrival time`,
      'arrival (s)',
      'ms',
      phases.map((phase) => ({
        name: phase,
        color: PHASE_COLORS[phase] ?? '#555',
        points: s.series.startS.flatMap((t, i) =>
          s.series.phase[i] === phase && s.series.ok[i] ? [[t, s.series.e2eMs[i] as number] as [number, number]] : [],
        ),
      })),
    );
    const rows = s.phases.map((p) => [
      p.name,
      fmt(p.offeredRps, 2),
      fmt(p.durationS),
      String(p.requests),
      String(p.errors),
      fmt(p.ttftMs.p50),
      fmt(p.e2eMs.p50),
      fmt(p.e2eMs.p95),
      fmt(p.e2eMs.max),
    ]);
    const drift = s.e2eDriftMsPerMinute;
    return (
      `<h4>${escapeHtml(`${b.id}: saturation ${fmt(s.saturationRps, 2)} requests/s (${s.saturationSource === 'throughput' ? 'throughput scenario' : 'measured for this scenario'}), prompt ${s.promptTokens} tokens, output ${s.outputTokens} tokens`)}</h4>` +
      chart +
      table(['Phase', 'Offered req/s', 'Duration (s)', 'Requests', 'Errors', 'TTFT p50', 'E2E p50', 'E2E p95', 'E2E max'], rows) +
      `<p>${escapeHtml(`Recovery: ${s.recoveryS === null ? 'not within the recovery phase' : `${fmt(s.recoveryS, 2)} s`} (back to within 10 % of the sustained E2E p50 ${fmt(s.preBurstE2eP50Ms)} ms). Errors ${s.errors} of ${s.requests} (${fmt(100 * s.errorRate)} %). E2E drift under sustained load ${fmt(drift.slope, 2)} ± ${fmt(drift.stdError, 2)} ms/minute over ${drift.points} requests.`)}</p>`
    );
  });
  return `<h2>Stress</h2>${parts.join('')}<p class="note">${escapeHtml(measured[0]!.stress!.recoveryRule)}</p>`;
}

const CACHE_OUTCOMES: ReadonlyArray<[CacheOutcome, string]> = [
  ['typing', 'Typing along'],
  ['l1', 'L1 (memory)'],
  ['l2', 'L2 (disk)'],
  ['miss', 'Miss'],
  ['notLookedUp', 'No lookup'],
];

function cacheSection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.cache);
  if (measured.length === 0) return '';
  const chart = barChart(
    'LSP round trip p50 by cache outcome',
    'ms',
    CACHE_OUTCOMES.map(([, label]) => label),
    backendSeries(measured, (b) => ({
      values: CACHE_OUTCOMES.map(([o]) => (b.cache!.latencyMs[o].count ? b.cache!.latencyMs[o].p50 : null)),
    })),
  );
  const parts = measured.map((b) => {
    const c = b.cache!;
    const passes = table(
      ['Pass', 'Requests', ...CACHE_OUTCOMES.map(([, label]) => label)],
      c.passes.map((p) => [p.name, String(p.requests), ...CACHE_OUTCOMES.map(([o]) => String(p.counts[o]))]),
    );
    const latency = table(
      DIST_HEAD,
      CACHE_OUTCOMES.map(([o, label]) => distributionRow(`${label} (ms)`, c.latencyMs[o])),
    );
    const pct = (v: number) => `${fmt(100 * v)} %`;
    return (
      `<h4>${escapeHtml(`${b.id}: ${c.files} files, ${c.typedChars} characters typed per pass, ${c.pacingMs} ms between keystrokes; hit rate ${pct(c.hitRate.total)} of ${c.lookups} lookups (typing along ${pct(c.hitRate.typing)}, L1 ${pct(c.hitRate.l1)}, L2 ${pct(c.hitRate.l2)}); miss p50 / hit p50 ${fmt(c.missToHitP50Ratio, 1)}×`)}</h4>` +
      passes +
      latency
    );
  });
  return `<h2>Cache (typing replay through the language server)</h2>${chart}${parts.join('')}`;
}

function qualitySection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.quality);
  if (measured.length === 0) return '';
  const pct = (v: number | null) => (v === null ? '—' : `${fmt(100 * v)} %`);
  const text = (t: TextScores) => [String(t.cases), String(t.shown), pct(t.exactMatch), pct(t.editSimilarity)];
  const rows = measured.flatMap((b) => {
    const q = b.quality!;
    return [
      [`${b.id} · next line (LSP)`, ...text(q.nextLine)],
      [`${b.id} · FIM hole (LSP)`, ...text(q.fim)],
    ];
  });
  const functions = measured.map((b) => {
    const f = b.quality!.functions;
    const perLanguage = Object.entries(f.perLanguage)
      .map(([language, s]) => `${language} ${s.passed}/${s.attempted}`)
      .join(', ');
    return [
      b.id,
      String(f.problems),
      String(f.attempted),
      String(f.passed),
      pct(f.passAt1),
      escapeHtml(perLanguage),
      escapeHtml(f.results.map((r) => `${r.id}: ${r.outcome}`).join(', ')),
      escapeHtml(f.notes.join('; ')),
    ];
  });
  const explain = measured.map((b) => {
    const e = b.quality!.explain;
    const example = e.examples[0];
    return [
      b.id,
      String(e.pairs),
      fmt(e.bleu4, 2),
      fmt(e.rougeL, 3),
      example ? escapeHtml(`${example.name}: “${example.generated}” vs “${example.reference}”`) : '—',
    ];
  });
  const limits = measured[0]!.quality!.functions;
  return (
    `<h2>Quality</h2>` +
    table(
      ['Task', 'Cases', 'Shown', 'Exact match', 'Edit similarity'],
      rows.map((r) => r.map((cell) => escapeHtml(cell))),
    ) +
    `<h3>Function completion with execution (pass@1)</h3>` +
    table(['Backend', 'Problems', 'Run', 'Passed', 'pass@1', 'Per language', 'Outcomes', 'Notes'], functions) +
    `<p class="note">${escapeHtml(`Hidden tests in a subprocess: ${limits.timeLimitMs} ms, ${limits.memoryLimitMb} MB.`)}</p>` +
    `<h3>Explanations vs real docstrings</h3>` +
    table(['Backend', 'Pairs', 'BLEU-4 (0..100)', 'ROUGE-L (0..1)', 'Example'], explain)
  );
}

function costSection(backends: readonly BackendReport[]): string {
  const measured = backends.filter((b) => b.cost);
  if (measured.length === 0) return '';
  const rows = measured.map((b) => {
    const c = b.cost!;
    return [
      b.id,
      String(c.requests),
      fmt(c.totalUsd, 6),
      fmt(c.per1kRequestsUsd, 6),
      fmt(c.per1kOutputCharsUsd, 6),
      fmt(c.per1kAcceptedCharsUsd, 6),
      escapeHtml(c.basis),
    ];
  });
  const note = measured[0]?.cost
    ? `<p class="note">${escapeHtml(`Accepted characters: ${measured[0].cost.acceptanceSource} (${measured[0].cost.acceptanceRate}).`)}</p>`
    : '';
  return `<h2>Cost</h2>${table(['Backend', 'Requests', 'Total USD', 'Per 1k requests', 'Per 1k output chars', 'Per 1k accepted chars', 'Basis'], rows)}${note}`;
}

function errorsSection(backends: readonly BackendReport[]): string {
  const errors = backends.flatMap((b) => b.errors.map((e) => `${b.id}: ${e}`));
  return errors.length ? `<h2>Errors</h2><ul class="bad">${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : '';
}

function environmentSection(report: BenchReport): string {
  const m = report.machine;
  const models = report.backends.map((b) => [b.id, escapeHtml(b.model ? JSON.stringify(b.model) : '—')]);
  return (
    `<h2>Environment</h2>` +
    table(
      ['Item', 'Value'],
      [
        [
          'Machine',
          escapeHtml(`${m.platform} ${m.arch}, ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryMb} MB, load ${m.loadAverage.join(' / ')}`),
        ],
        [
          'Software',
          escapeHtml(
            `node ${report.software.node}, tandem ${report.software.tandem}, ${Object.entries(report.software.packages)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          ),
        ],
        ...models,
        ['Configuration', `<code>${escapeHtml(JSON.stringify(report.configuration))}</code>`],
      ],
    ) +
    `<h3>Not done</h3><ul>${report.notDone.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` +
    `<h3>Metric definitions</h3>${table(
      ['Metric', 'Definition', 'Unit'],
      Object.entries(report.metrics).map(([k, v]) => [escapeHtml(k), escapeHtml(v.definition), escapeHtml(v.unit)]),
    )}`
  );
}
