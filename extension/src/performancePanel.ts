/**
 * "Tandem: Open Performance Panel": a webview with the live per-backend table (local and offload
 * side by side), the latency chart and the recent requests. Data comes from
 * `tandem/metrics/snapshot` when the webview is ready or asks to refresh, then from the server's
 * throttled `tandem/metrics/didChange` notifications.
 */
import * as vscode from 'vscode';
import { Methods, type MetricsSnapshot, type MetricsSnapshotParams } from '../../server/src/protocol';
import type { TandemClient } from './languageClient';
import { buildPanelView } from './panelViewModel';
import { SERVER_DOWN_MESSAGE } from './serverDown';
import { summarizeStatus } from './statusText';
import { PANEL_BODY } from './webviewBodies';
import { webviewPageHtml } from './webviewPage';
import { WebviewGate } from './webviewGate';
import { isPanelWebviewMessage, type PanelHostMessage } from './webviewMessages';

const VIEW_TYPE = 'tandem.performance';
const RECENT_ROWS = 50;


export class PerformancePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private gate: WebviewGate<PanelHostMessage> | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: TandemClient,
  ) {
    this.subscriptions = [
      client.onDidChangeMetrics((snapshot) => this.postSnapshot(snapshot)),
      client.onDidChangeStatus(() => this.postStatus()),
      client.onDidChangeState((state) => {
        this.postStatus();
        if (state === 'stopped') this.gate?.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
        if (state === 'running') void this.refresh();
      }),
    ];
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Tandem Performance', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: true,
    });
    const gate = new WebviewGate<PanelHostMessage>(
      (message) => panel.webview.postMessage(message),
      (error) => this.client.output.debug('Performance panel post failed.', error),
    );
    panel.webview.onDidReceiveMessage((message: unknown) => {
      if (!isPanelWebviewMessage(message)) return;
      if (message.type === 'ready') gate.markReady();
      this.postStatus();
      void this.refresh();
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.gate = undefined;
    });
    panel.webview.html = webviewPageHtml(panel.webview, media, { title: 'Tandem Performance', asset: 'panel', body: PANEL_BODY });
    this.panel = panel;
    this.gate = gate;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel?.dispose();
  }

  private async refresh(): Promise<void> {
    const gate = this.gate;
    if (!gate?.isReady) return;
    if (!this.client.isRunning()) {
      gate.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
      return;
    }
    const params: MetricsSnapshotParams = { recent: RECENT_ROWS };
    try {
      this.postSnapshot(await this.client.sendRequest<MetricsSnapshot>(Methods.metricsSnapshot, params));
    } catch (error) {
      // The server stopping while the request was in flight is not a metrics problem.
      if (!this.client.isRunning()) {
        gate.send({ type: 'panel/unavailable', message: SERVER_DOWN_MESSAGE });
        return;
      }
      this.client.output.warn('Could not read the metrics snapshot.', error);
      const reason = error instanceof Error ? error.message : String(error);
      gate.send({ type: 'panel/unavailable', message: `Tandem could not read its metrics: ${reason}` });
    }
  }

  private postSnapshot(snapshot: MetricsSnapshot): void {
    if (!this.gate?.isReady) return;
    try {
      this.gate.send({ type: 'panel/snapshot', view: buildPanelView(snapshot) });
    } catch (error) {
      // A snapshot of an unexpected shape must not break the panel; the log names the problem.
      this.client.output.error('Could not show a metrics snapshot.', error);
    }
  }

  private postStatus(): void {
    this.gate?.send({ type: 'panel/status', status: summarizeStatus(this.client.state, this.client.status) });
  }
}
