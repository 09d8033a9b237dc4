/**
 * "Tandem: Explain Selection": sends `tandem/explain` for the selection and streams the answer
 * into a webview panel beside the editor, ending with a badge (backend, model, TTFT, total) and
 * thumbs up / down, sent to the server as `tandem/explain/feedback` for the answer's metrics row.
 * One explanation at a time: a new one, the Stop button or closing the panel cancels the last.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExplainFeedbackParams, ExplainParams, ExplainStreamParams } from '../../server/src/protocol';
import { Requests } from '../../server/src/protocolMessages';
import { isCancellation } from './cancellation';
import {
  applyExplainFailure,
  applyExplainFeedback,
  applyExplainResult,
  applyExplainStop,
  applyStreamDelta,
  startExplainState,
} from './explainSession';
import type { TandemClient } from './languageClient';
import { SERVER_DOWN_MESSAGE } from './serverDown';
import { EXPLAIN_BODY } from './webviewBodies';
import { webviewPageHtml } from './webviewPage';
import { WebviewGate } from './webviewGate';
import { isExplainWebviewMessage, type ExplainHostMessage, type ExplainRating, type ExplainViewState } from './webviewMessages';

const VIEW_TYPE = 'tandem.explain';

export class ExplainView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private gate: WebviewGate<ExplainHostMessage> | undefined;
  private state: ExplainViewState | undefined;
  private request: vscode.CancellationTokenSource | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: TandemClient,
  ) {
    this.subscription = client.onDidStreamExplain((params) => this.handleStream(params));
  }

  async explain(editor: vscode.TextEditor): Promise<void> {
    const { document, selection } = editor;
    if (selection.isEmpty) {
      void vscode.window.showInformationMessage('Select the code you want Tandem to explain first.');
      return;
    }
    if (!this.client.isRunning()) {
      void vscode.window.showWarningMessage(SERVER_DOWN_MESSAGE);
      return;
    }

    this.request?.cancel();
    const request = new vscode.CancellationTokenSource();
    this.request = request;
    const streamId = randomUUID();
    this.state = startExplainState(streamId, titleFor(document, selection));
    this.showPanel();
    this.postState();

    const params: ExplainParams = {
      textDocument: { uri: this.client.converters.code2ProtocolConverter.asUri(document.uri) },
      range: {
        start: { line: selection.start.line, character: selection.start.character },
        end: { line: selection.end.line, character: selection.end.character },
      },
      streamId,
    };
    try {
      const result = await this.client.sendRequest(Requests.explain, params, request.token);
      this.update(streamId, (state) => applyExplainResult(state, result));
    } catch (error) {
      if (!isCancellation(error)) this.client.output.warn('Explain failed.', error);
      this.update(streamId, (state) => applyExplainFailure(state, error));
    } finally {
      if (this.request === request) this.request = undefined;
      request.dispose();
    }
  }

  dispose(): void {
    this.request?.cancel();
    this.subscription.dispose();
    this.panel?.dispose();
  }

  private handleStream(params: ExplainStreamParams): void {
    const state = this.state;
    if (!state || params.streamId !== state.streamId) return;
    const next = applyStreamDelta(state, params);
    if (next === state) return;
    this.state = next;
    this.gate?.send({ type: 'explain/delta', streamId: params.streamId, delta: params.delta, reset: params.reset === true });
  }

  private update(streamId: string, transition: (state: ExplainViewState) => ExplainViewState): void {
    if (!this.state || this.state.streamId !== streamId) return;
    this.state = transition(this.state);
    this.postState();
  }

  private postState(): void {
    if (this.state) this.gate?.send({ type: 'explain/state', state: this.state });
  }

  /** The last vote wins: each change is sent; the same vote twice is sent once. */
  private rate(streamId: string, rating: ExplainRating): void {
    const state = this.state;
    if (!state) return;
    const next = applyExplainFeedback(state, streamId, rating);
    if (next === state || !next.requestId) return;
    this.state = next;
    this.postState();
    const params: ExplainFeedbackParams = { requestId: next.requestId, rating };
    this.client.sendRequest(Requests.explainFeedback, params).catch((error: unknown) => {
      this.client.output.warn('Explain feedback was not recorded.', error);
    });
  }

  private stop(): void {
    this.request?.cancel();
    if (this.state) {
      this.state = applyExplainStop(this.state);
      this.postState();
    }
  }

  private showPanel(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      'Tandem: Explain',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true },
    );
    const gate = new WebviewGate<ExplainHostMessage>(
      (message) => panel.webview.postMessage(message),
      (error) => this.client.output.debug('Explain view post failed.', error),
    );
    panel.webview.onDidReceiveMessage((message: unknown) => {
      if (!isExplainWebviewMessage(message)) return;
      if (message.type === 'ready') {
        gate.markReady();
        this.postState();
      } else if (message.type === 'explain/feedback') {
        this.rate(message.streamId, message.rating);
      } else {
        this.stop();
      }
    });
    panel.onDidDispose(() => {
      this.request?.cancel();
      this.panel = undefined;
      this.gate = undefined;
    });
    panel.webview.html = webviewPageHtml(panel.webview, media, { title: 'Tandem: Explain', asset: 'explain', body: EXPLAIN_BODY });
    this.panel = panel;
    this.gate = gate;
  }
}

/** "src/parser.ts:12–30" (1-based lines; a selection ending at column 0 ends on the line above). */
function titleFor(document: vscode.TextDocument, selection: vscode.Selection): string {
  const first = selection.start.line + 1;
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  const last = endLine + 1;
  const lines = first === last ? `${first}` : `${first}–${last}`;
  return `${vscode.workspace.asRelativePath(document.uri)}:${lines}`;
}
