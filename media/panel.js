// @ts-check
/**
 * Tandem performance panel (webview side). Receives view models that the extension host has
 * already formatted (extension/src/panelViewModel.ts) and only builds DOM from them, always
 * through textContent / setAttribute, never by parsing HTML strings. The chart is plain SVG.
 *
 * Messages mirror extension/src/webviewMessages.ts:
 * @typedef {{ backend: 'local' | 'offload', model: string, used: boolean }} BackendColumn
 * @typedef {{ label: string, values: string[] }} StatRow
 * @typedef {{ id: string, time: string, task: string, language: string, backend: string,
 *   model: string, decision: string, cache: string, ttft: string, e2e: string, rate: string,
 *   outcome: string, note: string, tone: 'error' | 'fallback' | 'normal' }} RecentRowView
 * @typedef {{ x: number, y: number, label: string }} ChartPoint
 * @typedef {{ backend: 'local' | 'offload', line: string, e2e: ChartPoint[], ttft: ChartPoint[] }} ChartSeries
 * @typedef {{ at: number, label: string }} ChartTick
 * @typedef {{ width: number, height: number,
 *   plot: { left: number, top: number, right: number, bottom: number },
 *   yTicks: ChartTick[], series: ChartSeries[], requestCount: number }} LatencyChartView
 * @typedef {{ generatedAt: string, columns: BackendColumn[], stats: StatRow[],
 *   cacheSummary: string, shadowSummary: string[], recent: RecentRowView[],
 *   chart: LatencyChartView }} PanelView
 * @typedef {{ headline: string, tone: 'ok' | 'warning' | 'error' }} StatusSummaryView
 * @typedef {{ type: 'panel/snapshot', view: PanelView }
 *   | { type: 'panel/status', status: StatusSummaryView }
 *   | { type: 'panel/unavailable', message: string }} PanelHostMessage
 * @typedef {{ type: 'ready' } | { type: 'panel/refresh' }} PanelWebviewMessage
 */
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  /** @type {{ postMessage(message: PanelWebviewMessage): void }} */
  const host = /** @type {any} */ (globalThis).acquireVsCodeApi();

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`Tandem panel: missing #${id}`);
    return element;
  }

  /**
   * @param {string} tag
   * @param {string} [text]
   * @param {string} [className]
   */
  function cell(tag, text, className) {
    const element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  /** @param {PanelView} view */
  function renderStats(view) {
    const table = byId('stats');
    const head = document.createElement('tr');
    head.append(cell('th', 'Metric'));
    for (const column of view.columns) {
      const th = cell('th', undefined, `backend backend-${column.backend}${column.used ? '' : ' unused'}`);
      th.append(cell('div', column.backend, 'backend-name'), cell('div', column.model, 'backend-model'));
      head.append(th);
    }
    const thead = table.querySelector('thead');
    const tbody = table.querySelector('tbody');
    if (!thead || !tbody) return;
    thead.replaceChildren(head);
    tbody.replaceChildren(
      ...view.stats.map((row) => {
        const tr = document.createElement('tr');
        tr.append(cell('th', row.label));
        row.values.forEach((value, index) => {
          const column = view.columns[index];
          tr.append(cell('td', value, column && !column.used ? 'unused' : 'value'));
        });
        return tr;
      }),
    );
    byId('cache').textContent = view.cacheSummary;
    // An older host sends no shadowSummary: show none rather than fail.
    byId('shadow').replaceChildren(...(view.shadowSummary ?? []).map((line) => cell('li', line)));
    byId('generated').textContent = `Updated ${view.generatedAt}`;
  }

  /** @param {RecentRowView[]} rows */
  function renderRecent(rows) {
    const tbody = byId('recent').querySelector('tbody');
    if (!tbody) return;
    if (rows.length === 0) {
      const td = cell('td', 'No requests yet: type in an editor or run "Tandem: Explain Selection".', 'empty');
      td.setAttribute('colspan', '12');
      const tr = document.createElement('tr');
      tr.append(td);
      tbody.replaceChildren(tr);
      return;
    }
    tbody.replaceChildren(
      ...rows.map((row) => {
        const tr = cell('tr', undefined, `tone-${row.tone}`);
        for (const value of [row.time, row.task, row.language, row.backend, row.model, row.decision, row.cache]) {
          tr.append(cell('td', value));
        }
        for (const value of [row.ttft, row.e2e, row.rate]) tr.append(cell('td', value, 'number'));
        tr.append(cell('td', row.outcome), cell('td', row.note, 'note'));
        return tr;
      }),
    );
  }

  /**
   * @param {string} tag
   * @param {Record<string, string | number>} attributes
   * @param {string} [title]
   */
  function svg(tag, attributes, title) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
    if (title) {
      const tooltip = document.createElementNS(SVG, 'title');
      tooltip.textContent = title;
      element.append(tooltip);
    }
    return element;
  }

  /** @param {LatencyChartView} chart */
  function renderChart(chart) {
    const container = byId('chart');
    if (chart.requestCount === 0) {
      container.replaceChildren(cell('p', 'No measured requests yet.', 'empty'));
      return;
    }
    const root = svg('svg', {
      viewBox: `0 0 ${chart.width} ${chart.height}`,
      role: 'img',
      'aria-label': `Latency of the last ${chart.requestCount} requests`,
      class: 'chart-svg',
    });
    const { plot } = chart;
    for (const tick of chart.yTicks) {
      root.append(svg('line', { x1: plot.left, x2: plot.right, y1: tick.at, y2: tick.at, class: 'grid' }));
      const label = svg('text', { x: plot.left - 6, y: tick.at + 4, class: 'tick', 'text-anchor': 'end' });
      label.textContent = tick.label;
      root.append(label);
    }
    root.append(svg('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis' }));
    const axisLabel = svg('text', { x: plot.right, y: chart.height - 6, class: 'tick', 'text-anchor': 'end' });
    axisLabel.textContent = 'older → newer requests';
    root.append(axisLabel);
    for (const series of chart.series) {
      root.append(svg('polyline', { points: series.line, class: `line series-${series.backend}` }));
      for (const point of series.e2e) {
        root.append(svg('circle', { cx: point.x, cy: point.y, r: 3, class: `dot series-${series.backend}` }, point.label));
      }
      for (const point of series.ttft) {
        root.append(svg('circle', { cx: point.x, cy: point.y, r: 3, class: `ttft series-${series.backend}` }, point.label));
      }
    }
    container.replaceChildren(root);
  }

  /** @param {StatusSummaryView} status */
  function renderStatus(status) {
    const element = byId('status');
    element.textContent = status.headline;
    element.className = `status tone-${status.tone}`;
  }

  /** @param {string | undefined} message */
  function renderUnavailable(message) {
    const element = byId('unavailable');
    element.textContent = message ?? '';
    element.hidden = !message;
  }

  window.addEventListener('message', (event) => {
    /** @type {PanelHostMessage} */
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'panel/snapshot':
        renderUnavailable(undefined);
        renderStats(message.view);
        renderChart(message.view.chart);
        renderRecent(message.view.recent);
        break;
      case 'panel/status':
        renderStatus(message.status);
        break;
      case 'panel/unavailable':
        renderUnavailable(message.message);
        break;
      default:
        break; // Unknown messages come from a newer or older host: ignore them.
    }
  });

  byId('refresh').addEventListener('click', () => host.postMessage({ type: 'panel/refresh' }));
  host.postMessage({ type: 'ready' });
})();
