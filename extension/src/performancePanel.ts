/**
 * "Tandem: Open Performance Panel": a webview running the panel's page script
 * (webview/panel/, bundled into dist/webview/), the same page `tandem report --html` writes. The
 * host only fetches and forwards: the snapshot and the rows for the page's filters
 * (`tandem/metrics/snapshot` and `tandem/metrics/rows`), the server status, and the two actions
 * that need the editor: the save dialog of an export and the confirmation of a reset.
 *
 * Data is fetched when the page asks (on load, with its restored filters, and when a filter
 * changes) and again after the server's throttled `tandem/metrics/didChange` notifications, which
 * only say that rows changed: while no panel is open, or while it is hidden, nothing is fetched
 * for them. The snapshot follows every change; the charts' rows (at most MAX_PANEL_ROWS, the
 * newest, which the server reads newest first and stops at) at most every few seconds
 * (panelRowsSchedule.ts says why). The auto routing table comes with the server status.
 */
import * as vscode from 'vscode';
import type { MetricsResetParams } from '../../server/src/protocol';
import { Requests } from '../../server/src/protocolMessages';
import { DEFAULT_FILTERS, filtersToParams, type PanelFilters } from '../../webview/shared/panelFilters';
import { PANEL_BODY } from '../../webview/shared/panelRoot';
import { exportFileName, exportRows, type ExportFormat } from '../../webview/shared/rowsExport';
import type { TandemClient } from './languageClient';
import { CHART_ROWS_INTERVAL_MS, MAX_PANEL_ROWS, PanelRowsSchedule } from './panelRowsSchedule';
import { SERVER_DOWN_MESSAGE } from './serverDown';
import { summarizeStatus } from './statusText';
import { makeNonce, renderWebviewHtml } from './webviewHtml';
import { WebviewGate } from './webviewGate';
import { isPanelWebviewMessage, type PanelHostMessage, type PanelWebviewMessage } from './webviewMessages';

const VIEW_TYPE = 'tandem.performance';
const RESET_ACTION = 'Delete All Metrics';

export class PerformancePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private gate: WebviewGate<PanelHostMessage> | undefined;
  private filters: PanelFilters = DEFAULT_FILTERS;
  /** One fetch at a time; a request arriving meanwhile runs once the current one ends. */
  private fetching: Promise<void> | undefined;
  private fetchAgain = false;
  private readonly rowsSchedule = new PanelRowsSchedule(CHART_ROWS_INTERVAL_MS);
  /** The trailing read of the charts' rows once the interval is over. */
  private rowsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Metrics changed while the panel was hidden: fetch when it is shown again. */
  private staleWhileHidden = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: TandemClient,
  ) {
    this.subscriptions = [
      // The notification is a signal only: fetch what the page shows, with its filters (refresh
      // does nothing while no page is open and ready).
      client.onDidChangeMetrics(() => void this.refresh()),
      client.onDidChangeStatus(() => this.postStatus()),
      client.onDidChangeState((state) => {
        this.postStatus();
        if (state === 'stopped') this.gate?.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
        if (state === 'running') void this.refresh({ rows: true });
      }),
    ];
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const assets = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Tandem Performance', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [assets],
      // Keeps the drawn charts while hidden; the page also saves its filters with setState.
      retainContextWhenHidden: true,
    });
    const gate = new WebviewGate<PanelHostMessage>(
      (message) => panel.webview.postMessage(message),
      (error) => this.client.output.debug('Performance panel post failed.', error),
    );
    panel.webview.onDidReceiveMessage((message: unknown) => {
      if (isPanelWebviewMessage(message)) void this.handle(message);
    });
    panel.onDidChangeViewState(({ webviewPanel }) => {
      if (!webviewPanel.visible || !this.staleWhileHidden) return;
      this.staleWhileHidden = false;
      void this.refresh({ rows: true });
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.gate = undefined;
      this.clearRowsTimer();
    });
    panel.webview.html = renderWebviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      title: 'Tandem Performance',
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'panel.css')).toString(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'panel.js')).toString(),
      body: PANEL_BODY,
    });
    this.panel = panel;
    this.gate = gate;
  }

  dispose(): void {
    this.clearRowsTimer();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel?.dispose();
  }

  private async handle(message: PanelWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // The page follows with `panel/refresh` carrying its restored filters.
        this.gate?.markReady();
        this.postStatus();
        if (!this.client.isRunning()) this.gate?.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
        return;
      case 'panel/refresh':
        this.filters = message.filters;
        return this.refresh({ rows: true });
      case 'panel/export':
        return this.exportRows(message.format, message.filters);
      case 'panel/reset':
        return this.resetMetrics();
    }
  }

  /**
   * Fetches for the current filters; calls during a fetch coalesce into one more fetch after it.
   * `rows`: the page asked, so the charts' rows are read now, not when due.
   */
  private refresh(options: { rows?: boolean } = {}): Promise<void> {
    if (options.rows) this.rowsSchedule.force();
    if (this.fetching) {
      this.fetchAgain = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.fetchAgain = false;
        await this.fetchOnce();
      } while (this.fetchAgain);
    })().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchOnce(): Promise<void> {
    const gate = this.gate;
    if (!gate?.isReady) return;
    if (!this.client.isRunning()) {
      gate.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
      return;
    }
    // Hidden with its context retained: nothing is drawn, so nothing is read until it is shown.
    if (this.panel?.visible === false) {
      this.staleWhileHidden = true;
      return;
    }
    const params = filtersToParams(this.filters, Date.now());
    const rowsNow = this.rowsSchedule.decide(JSON.stringify(this.filters));
    if (rowsNow.read) this.clearRowsTimer();
    else this.readRowsIn(rowsNow.dueInMs);
    // The rows request takes the window and filters; the snapshot's recent rows are its own.
    const { recent: _recent, ...window } = params;
    try {
      const [snapshot, rows] = await Promise.all([
        this.client.sendRequest(Requests.metricsSnapshot, params),
        rowsNow.read ? this.client.sendRequest(Requests.metricsRows, { ...window, limit: MAX_PANEL_ROWS }) : undefined,
      ]);
      // The server returns them oldest first; without rows the page keeps the ones it has.
      gate.send({ type: 'panel/data', data: rows ? { snapshot, rows, rowsLimit: MAX_PANEL_ROWS } : { snapshot } });
    } catch (error) {
      // The rows were not read: the next fetch reads them.
      if (rowsNow.read) this.rowsSchedule.force();
      this.sendFailure('read its metrics', error);
    }
  }

  /** One trailing fetch when the rows are due, so the charts miss no change that came after a read. */
  private readRowsIn(delayMs: number): void {
    if (this.rowsTimer) return;
    this.rowsTimer = setTimeout(() => {
      this.rowsTimer = undefined;
      void this.refresh();
    }, delayMs);
  }

  private clearRowsTimer(): void {
    clearTimeout(this.rowsTimer);
    this.rowsTimer = undefined;
  }

  private async exportRows(format: ExportFormat, filters: PanelFilters): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = exportFileName(format, Date.now());
    const target = await vscode.window.showSaveDialog({
      title: 'Export Tandem request metrics',
      saveLabel: 'Export',
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!target) return;
    try {
      const rows = await this.client.sendRequest(Requests.metricsRows, filtersToParams(filters, Date.now()));
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(exportRows(rows, format)));
      this.gate?.send({ type: 'panel/notice', message: `Exported ${rows.length} request rows to ${target.fsPath}.` });
    } catch (error) {
      this.sendFailure('export its metrics', error);
    }
  }

  private async resetMetrics(): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      'Delete every request metric Tandem has stored?',
      { modal: true, detail: 'The performance panel, `tandem report` and exports start again from nothing. This cannot be undone.' },
      RESET_ACTION,
    );
    if (choice !== RESET_ACTION) return;
    try {
      const params: MetricsResetParams = { confirm: true };
      const result = await this.client.sendRequest(Requests.metricsReset, params);
      this.gate?.send({ type: 'panel/notice', message: `Deleted ${result.deleted} request rows.` });
      await this.refresh({ rows: true });
    } catch (error) {
      this.sendFailure('reset its metrics', error);
    }
  }

  private sendFailure(what: string, error: unknown): void {
    // The server stopping while the request was in flight is not a metrics problem.
    if (!this.client.isRunning()) {
      this.gate?.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
      return;
    }
    this.client.output.warn(`Could not ${what}.`, error);
    const reason = error instanceof Error ? error.message : String(error);
    this.gate?.send({ type: 'panel/unavailable', message: `Tandem could not ${what}: ${reason}` });
  }

  private postStatus(): void {
    const status = this.client.status;
    // Learned auto routing's table (the server sends its status on changes; older servers have none).
    const routing =
      this.client.state === 'running' && status?.learned ? { routing: { policy: status.policy, learned: status.learned } } : {};
    this.gate?.send({ type: 'panel/status', status: summarizeStatus(this.client.state, status), ...routing });
  }
}
