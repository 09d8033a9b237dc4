/**
 * The status bar item: current backend and last latency, or what keeps Tandem from answering
 * (starting, loading a model, fallback, breaker open, no backend, server down). Clicking it
 * opens the performance panel.
 */
import * as vscode from 'vscode';
import type { TandemClient } from './languageClient';
import { presentStatus } from './statusText';

export class TandemStatusBarItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tandem.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly client: TandemClient,
    openPanelCommand: string,
  ) {
    this.item.name = 'Tandem';
    this.item.command = openPanelCommand;
    this.subscriptions = [client.onDidChangeState(() => this.render()), client.onDidChangeStatus(() => this.render())];
    this.render();
    this.item.show();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }

  private render(): void {
    const presentation = presentStatus(this.client.state, this.client.status);
    this.item.text = presentation.text;
    this.item.tooltip = presentation.tooltip;
    this.item.backgroundColor =
      presentation.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : presentation.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }
}
