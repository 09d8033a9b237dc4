/**
 * The performance panel page: filters, the statistics table, the charts and the recent requests,
 * rendered from a MetricsSnapshot and its rows, and (in VS Code) the auto routing table from the
 * server status. The same code runs in VS Code's webview and in the `tandem report --html` file;
 * `PanelHost` is the only difference between the two.
 */
import type uPlot from 'uplot';
import type { BackendId, MetricsSnapshot, RequestRow, Task } from '../../server/src/protocol';
import { formatCount } from '../shared/format';
import { TIME_RANGE_LABELS, TIME_RANGES, type PanelFilters, type TimeRange } from '../shared/panelFilters';
import type { AutoRoutingView, PanelData, StatusSummaryView } from '../shared/panelMessages';
import { latencyHistogram, latencyOverTime, latencyVsPrompt, qualityOverTime } from './chartData';
import { drawChart, readChartTheme, type ChartSpec } from './charts';
import { el, option, select } from './dom';
import type { PanelHost } from './hosts';
import { buildRecentRows, newestRows, RECENT_HEADERS, RECENT_NUMERIC } from './recentModel';
import { buildRoutingTable, ROUTING_HEADERS, ROUTING_HINTS, ROUTING_NUMERIC } from './routingModel';
import { buildStatsTable, type StatsTable } from './statsModel';

export const CHART_IDS = ['chart-latency-time', 'chart-latency-histogram', 'chart-latency-prompt', 'chart-quality-time'] as const;

interface Elements {
  status: HTMLElement;
  unavailable: HTMLElement;
  notice: HTMLElement;
  empty: HTMLElement;
  range: HTMLSelectElement;
  task: HTMLSelectElement;
  backend: HTMLSelectElement;
  language: HTMLSelectElement;
  statsHead: HTMLTableSectionElement;
  stats: HTMLTableElement;
  notes: HTMLElement;
  charts: Record<(typeof CHART_IDS)[number], HTMLElement>;
  recentBody: HTMLTableSectionElement;
  routing: HTMLElement;
  routingMessage: HTMLElement;
  routingTable: HTMLTableElement;
  routingBody: HTMLTableSectionElement;
  generated: HTMLElement;
}

/** What the page shows: the latest snapshot and the latest rows the host sent (maybe older). */
interface ShownData {
  snapshot: MetricsSnapshot;
  rows: RequestRow[];
  rowsLimit?: number;
}

export class PanelPage {
  private filters: PanelFilters;
  private data: ShownData | undefined;
  private readonly languages = new Set<string>();
  private readonly elements: Elements;
  private plots: uPlot[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly host: PanelHost,
    private readonly formatTime: (ms: number) => string,
  ) {
    this.filters = host.restoreFilters();
    if (this.filters.language) this.languages.add(this.filters.language);
    this.elements = this.buildSkeleton();
  }

  start(): void {
    this.host.start({
      data: (data) => this.showData(data),
      status: (status) => this.showStatus(status),
      routing: (view) => this.showRouting(view),
      unavailable: (message) => this.showUnavailable(message),
      notice: (message) => this.showNotice(message),
    });
    this.host.request(this.filters);
  }

  /** Redraws the charts (a theme change or a resize: canvas colours and sizes are fixed when drawn). */
  redrawCharts(): void {
    if (this.data) this.renderCharts(this.data);
  }

  private buildSkeleton(): Elements {
    const status = el('span', { id: 'status', className: 'status', attrs: { role: 'status' } });
    const header = el('header', { className: 'header' }, el('h1', { text: 'Tandem performance' }), status);

    const range = select(
      'filter-range',
      'Time range',
      TIME_RANGES.map((value) => option(value, TIME_RANGE_LABELS[value])),
      (value) => this.setFilters({ ...this.filters, range: value as TimeRange }),
    );
    range.wrapper.hidden = !this.host.hasTimeRange;
    const task = select(
      'filter-task',
      'Task',
      [option('', 'All tasks'), option('completion', 'Completions'), option('explain', 'Explanations')],
      (value) => this.setFilters({ ...this.filters, task: (value || undefined) as Task | undefined }),
    );
    const backend = select(
      'filter-backend',
      'Backend',
      [option('', 'Both backends'), option('local', 'local'), option('offload', 'offload')],
      (value) => this.setFilters({ ...this.filters, backend: (value || undefined) as BackendId | undefined }),
    );
    const language = select('filter-language', 'Language', [option('', 'All languages')], (value) =>
      this.setFilters({ ...this.filters, language: value || undefined }),
    );
    const refresh = el('button', { id: 'refresh', text: 'Refresh', attrs: { type: 'button' } });
    refresh.addEventListener('click', () => this.host.request(this.filters));
    refresh.hidden = this.host.mode === 'report';
    const exportCsv = el('button', { id: 'export-csv', text: 'Export CSV', attrs: { type: 'button' } });
    exportCsv.addEventListener('click', () => this.host.exportRows('csv', this.filters));
    const exportJson = el('button', { id: 'export-json', text: 'Export JSON', attrs: { type: 'button' } });
    exportJson.addEventListener('click', () => this.host.exportRows('json', this.filters));
    const reset = el('button', { id: 'reset', className: 'danger', text: 'Reset metrics…', attrs: { type: 'button' } });
    reset.addEventListener('click', () => this.host.reset());
    reset.hidden = !this.host.canReset;
    const filters = el(
      'div',
      { id: 'filters', className: 'filters', attrs: { role: 'group', 'aria-label': 'Filters and actions' } },
      range.wrapper,
      task.wrapper,
      backend.wrapper,
      language.wrapper,
      el('span', { className: 'actions' }, refresh, exportCsv, exportJson, reset),
    );

    const unavailable = el('p', { id: 'unavailable', className: 'unavailable', attrs: { role: 'alert' } });
    unavailable.hidden = true;
    const notice = el('p', { id: 'notice', className: 'notice', attrs: { role: 'status' } });
    notice.hidden = true;
    const empty = el('p', { id: 'empty', className: 'empty-state' });
    empty.hidden = true;

    const statsHead = el('thead');
    const stats = el('table', { id: 'stats', className: 'stats' }, statsHead);
    const notes = el('ul', { id: 'notes', className: 'notes' });
    const chartSlots = {} as Elements['charts'];
    const figures = CHART_IDS.map((id) => {
      chartSlots[id] = el('div', { id, className: 'chart' });
      return el('figure', { className: 'chart-figure' }, el('figcaption', { text: CHART_TITLES[id] }), chartSlots[id]);
    });
    const recentBody = el('tbody');
    const recentHead = el(
      'tr',
      {},
      ...RECENT_HEADERS.map((label) => el('th', { text: label, className: RECENT_NUMERIC.has(label) ? 'number' : '' })),
    );
    const recent = el('table', { id: 'recent', className: 'recent' }, el('thead', {}, recentHead), recentBody);
    const generated = el('p', { id: 'generated', className: 'generated' });
    const routingMessage = el('p', { id: 'routing-empty', className: 'empty-state' });
    const routingBody = el('tbody');
    const routingHead = el(
      'tr',
      {},
      ...ROUTING_HEADERS.map((label) => {
        const cell = el('th', { text: label, className: ROUTING_NUMERIC.has(label) ? 'number' : '', attrs: { scope: 'col' } });
        if (ROUTING_HINTS[label]) cell.title = ROUTING_HINTS[label];
        return cell;
      }),
    );
    const routingTable = el('table', { id: 'routing', className: 'routing' }, el('thead', {}, routingHead), routingBody);
    // Shown once the server status reports learned routing (never in the report).
    const routing = el(
      'section',
      { id: 'auto-routing' },
      el('h2', { text: 'Auto routing' }),
      routingMessage,
      el('div', { className: 'scroll' }, routingTable),
    );
    routing.hidden = true;

    this.root.replaceChildren(
      header,
      filters,
      unavailable,
      notice,
      empty,
      el('section', { id: 'backends' }, el('h2', { text: 'Backends' }), stats, notes),
      routing,
      el('section', { id: 'charts' }, el('h2', { text: 'Charts' }), el('div', { className: 'chart-grid' }, ...figures)),
      el('section', { id: 'recent-requests' }, el('h2', { text: 'Recent requests' }), el('div', { className: 'scroll' }, recent)),
      generated,
    );
    const elements: Elements = {
      status,
      unavailable,
      notice,
      empty,
      range: range.select,
      task: task.select,
      backend: backend.select,
      language: language.select,
      statsHead,
      stats,
      notes,
      charts: chartSlots,
      recentBody,
      routing,
      routingMessage,
      routingTable,
      routingBody,
      generated,
    };
    this.syncFilterControls(elements);
    return elements;
  }

  private setFilters(changed: PanelFilters): void {
    // A cleared filter is left out, not sent as `undefined`.
    const filters = Object.fromEntries(Object.entries(changed).filter(([, value]) => value !== undefined)) as unknown as PanelFilters;
    this.filters = filters;
    this.host.saveFilters(filters);
    this.host.request(filters);
  }

  private syncFilterControls(elements: Elements = this.elements): void {
    elements.range.value = this.filters.range;
    elements.task.value = this.filters.task ?? '';
    elements.backend.value = this.filters.backend ?? '';
    const languages = [...this.languages].sort();
    elements.language.replaceChildren(option('', 'All languages'), ...languages.map((language) => option(language, language)));
    elements.language.value = this.filters.language ?? '';
  }

  private showData(data: PanelData): void {
    // No rows: the host kept the charts' rows it sent last (it reads them at most every few
    // seconds while metrics keep changing); the statistics and recent requests are new.
    const rowsChanged = data.rows !== undefined || !this.data;
    const shown: ShownData = data.rows
      ? { snapshot: data.snapshot, rows: data.rows, ...(data.rowsLimit !== undefined ? { rowsLimit: data.rowsLimit } : {}) }
      : { ...(this.data ?? { rows: [] }), snapshot: data.snapshot };
    this.data = shown;
    for (const language of data.snapshot.languages) this.languages.add(language);
    this.syncFilterControls();
    const table = buildStatsTable(data.snapshot);
    this.renderStats(table);
    this.renderEmpty(table, data.snapshot);
    if (rowsChanged) this.renderCharts(shown);
    this.renderRecent(shown);
    const window = data.snapshot.window;
    this.elements.generated.textContent =
      `Window ${this.formatTime(window.sinceMs)} – ${this.formatTime(window.untilMs)}; ` +
      `${requestsText(shown)}; updated ${this.formatTime(data.snapshot.generatedAt)}.`;
  }

  private renderEmpty(table: StatsTable, snapshot: MetricsSnapshot): void {
    const filtered = Boolean(snapshot.filters.task || snapshot.filters.backend || snapshot.filters.language);
    this.elements.empty.hidden = !table.empty;
    this.elements.empty.textContent = filtered
      ? 'No requests match these filters in this window.'
      : this.host.mode === 'report'
        ? 'The metrics database has no requests in this window.'
        : 'No requests yet: type in an editor or run "Tandem: Explain Selection".';
  }

  private renderStats(table: StatsTable): void {
    const head = el('tr', {}, el('th', { text: 'Metric' }));
    for (const column of table.columns) {
      head.append(
        el(
          'th',
          { className: `backend backend-${column.backend}${column.used ? '' : ' unused'}`, attrs: { scope: 'col' } },
          el('div', { className: 'backend-name', text: column.backend }),
          el('div', { className: 'backend-model', text: column.model }),
        ),
      );
    }
    this.elements.statsHead.replaceChildren(head);
    const bodies = table.groups.map((group) => {
      const title = el(
        'tr',
        { className: 'group' },
        el('th', { text: group.title, attrs: { colspan: String(table.columns.length + 1), scope: 'rowgroup' } }),
      );
      const rows = group.rows.map((row) => {
        const label = el('th', { text: row.label, attrs: { scope: 'row' } });
        if (row.hint) label.title = row.hint;
        return el(
          'tr',
          {},
          label,
          ...row.values.map((value, index) => el('td', { text: value, className: table.columns[index]?.used ? 'value' : 'value unused' })),
        );
      });
      return el('tbody', { className: `group-${group.task}` }, title, ...rows);
    });
    this.elements.stats.replaceChildren(this.elements.statsHead, ...bodies);
    this.elements.notes.replaceChildren(...table.notes.map((line) => el('li', { text: line })));
  }

  private renderCharts(data: ShownData): void {
    for (const plot of this.plots) plot.destroy();
    this.plots = [];
    const theme = readChartTheme(this.root);
    const specs: ChartSpec[] = [
      {
        id: 'chart-latency-time',
        xKind: 'time',
        xLabel: 'time',
        yLabel: 'ms',
        data: latencyOverTime(data.rows),
        emptyText: 'No generated answers in this window.',
      },
      {
        id: 'chart-latency-histogram',
        xKind: 'number',
        xLabel: 'E2E ms (bin start)',
        yLabel: 'requests',
        data: latencyHistogram(data.rows),
        emptyText: 'No generated answers in this window.',
      },
      {
        id: 'chart-latency-prompt',
        xKind: 'number',
        xLabel: 'prompt tokens',
        yLabel: 'ms',
        data: latencyVsPrompt(data.rows),
        emptyText: 'No answers with a known prompt length.',
      },
      {
        id: 'chart-quality-time',
        xKind: 'time',
        xLabel: 'time',
        yLabel: '%',
        data: qualityOverTime(data.rows, data.snapshot.showEvents),
        emptyText: 'No completions in this window.',
      },
    ];
    for (const spec of specs) {
      const plot = drawChart(this.elements.charts[spec.id as (typeof CHART_IDS)[number]], spec, theme);
      if (plot) this.plots.push(plot);
    }
  }

  private renderRecent(data: ShownData): void {
    // The snapshot's recent rows are as new as its statistics; the charts' rows may be older.
    const rows = buildRecentRows(newestRows(data.snapshot.recent ?? [], data.rows), this.formatTime);
    if (rows.length === 0) {
      const cell = el('td', { className: 'empty', text: 'No requests in this window.', attrs: { colspan: String(RECENT_HEADERS.length) } });
      this.elements.recentBody.replaceChildren(el('tr', {}, cell));
      return;
    }
    this.elements.recentBody.replaceChildren(
      ...rows.map((row) =>
        el(
          'tr',
          { className: `tone-${row.tone}` },
          ...row.cells.map((value, index) =>
            el('td', { text: value, className: RECENT_NUMERIC.has(RECENT_HEADERS[index]!) ? 'number' : '' }),
          ),
        ),
      ),
    );
  }

  private showRouting(view: AutoRoutingView | undefined): void {
    this.elements.routing.hidden = view === undefined;
    if (!view) return;
    const table = buildRoutingTable(view);
    this.elements.routingMessage.textContent = table.message ?? '';
    this.elements.routingMessage.hidden = table.message === undefined;
    this.elements.routingTable.hidden = table.buckets.length === 0;
    const numeric = (index: number) => (ROUTING_NUMERIC.has(ROUTING_HEADERS[index] as string) ? 'number' : '');
    this.elements.routingBody.replaceChildren(
      ...table.buckets.flatMap((bucket) =>
        bucket.backends.map((backend, index) => {
          const span = { rowspan: String(bucket.backends.length) };
          // The bucket's cells and its pick span the bucket's backend rows.
          const bucketCells = index === 0 ? bucket.bucket.map((text) => el('th', { text, attrs: { scope: 'row', ...span } })) : [];
          const cells = [backend.backend, ...backend.cells].map((text, at) => el('td', { text, className: numeric(at + 4) }));
          const pick = index === 0 ? [el('td', { text: bucket.pick, className: 'pick', attrs: { ...span, title: bucket.reason } })] : [];
          return el('tr', { className: `backend-${backend.backend}${backend.picked ? ' picked' : ''}` }, ...bucketCells, ...cells, ...pick);
        }),
      ),
    );
  }

  private showStatus(status: StatusSummaryView): void {
    this.elements.status.textContent = status.headline;
    this.elements.status.className = `status tone-${status.tone}`;
  }

  private showUnavailable(message: string | undefined): void {
    this.elements.unavailable.textContent = message ?? '';
    this.elements.unavailable.hidden = !message;
  }

  private showNotice(message: string): void {
    this.elements.notice.textContent = message;
    this.elements.notice.hidden = false;
  }
}

/** "1,204 requests", and how many of them the charts show when the host capped the rows. */
function requestsText(data: ShownData): string {
  const { snapshot, rows, rowsLimit } = data;
  // Every primary row of the window: per backend, and those that ended before routing (shadow
  // rows are comparisons, not requests); the snapshot counts them all, capped rows or not.
  const total = snapshot.backends.reduce((sum, stats) => sum + stats.requests, 0) + (snapshot.beforeRouting?.requests ?? 0);
  const capped = rowsLimit !== undefined && rows.length >= rowsLimit;
  const charted = rows.filter((row) => row.shadowOf === undefined).length;
  return capped ? `${formatCount(total)} requests (charts show the newest ${formatCount(charted)})` : `${formatCount(total)} requests`;
}

const CHART_TITLES: Record<(typeof CHART_IDS)[number], string> = {
  'chart-latency-time': 'Latency over time: E2E (line) and TTFT (points) per backend',
  'chart-latency-histogram': 'E2E latency histogram per backend',
  'chart-latency-prompt': 'Latency vs prompt length',
  'chart-quality-time': 'Completion acceptance and survival over time (%)',
};
