/**
 * Every Tandem command. Each one is registered at activation and works, or says in one sentence
 * why it cannot, whether or not the language server is running.
 */
import * as vscode from 'vscode';
import type { BenchmarkRunner } from './benchmarkCommand';
import { CommandIds } from './commandIds';
import type { ExplainView } from './explainView';
import type { TandemInlineCompletionProvider } from './inlineCompletionProvider';
import type { TandemClient } from './languageClient';
import type { OffloadApiKeyStore } from './offloadApiKey';
import type { PerformancePanel } from './performancePanel';

type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

export interface CommandDependencies {
  client: TandemClient;
  output: vscode.LogOutputChannel;
  apiKeys: OffloadApiKeyStore;
  explainView: ExplainView;
  performancePanel: PerformancePanel;
  completions: TandemInlineCompletionProvider;
  benchmark: BenchmarkRunner;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  // Keyed by every id, so adding an id without a handler does not compile.
  const handlers: Record<CommandId, (...args: unknown[]) => unknown> = {
    [CommandIds.explainSelection]: () => explainSelection(deps),
    [CommandIds.openPerformancePanel]: () => deps.performancePanel.open(),
    [CommandIds.setOffloadApiKey]: () => setOffloadApiKey(deps),
    [CommandIds.clearOffloadApiKey]: () => clearOffloadApiKey(deps),
    [CommandIds.restartServer]: () => restartServer(deps),
    [CommandIds.showLog]: () => deps.output.show(true),
    [CommandIds.runBenchmark]: () => deps.benchmark.run(),
    [CommandIds.didAcceptCompletion]: (data: unknown) => deps.completions.handleAcceptCommand(data),
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}

async function explainSelection({ explainView }: CommandDependencies): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a file and select the code you want Tandem to explain.');
    return;
  }
  await explainView.explain(editor);
}

async function setOffloadApiKey({ apiKeys }: CommandDependencies): Promise<void> {
  const apiKey = await vscode.window.showInputBox({
    title: 'Tandem: Offload API Key',
    prompt: "API key for the OpenAI-compatible endpoint in tandem.offload.url. It is kept in VS Code's secret storage.",
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a key, or press Escape to keep the current one.'),
  });
  if (apiKey === undefined) return;
  // Storing fires SecretStorage.onDidChange, which restarts the server with the new key.
  await apiKeys.store(apiKey.trim());
  void vscode.window.showInformationMessage('Tandem saved the offload API key and restarts its server to use it.');
}

async function clearOffloadApiKey({ apiKeys }: CommandDependencies): Promise<void> {
  if ((await apiKeys.get()) === undefined) {
    void vscode.window.showInformationMessage('No offload API key is stored, so there is nothing to clear.');
    return;
  }
  await apiKeys.clear();
  void vscode.window.showInformationMessage('Tandem removed the offload API key and restarts its server without it.');
}

async function restartServer({ client, output }: CommandDependencies): Promise<void> {
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Restarting the Tandem server' }, () =>
      client.restart(),
    );
  } catch (error) {
    output.error('Restarting the server failed.', error);
    const reason = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Tandem could not start its language server (${reason}); see "Tandem: Show Log".`);
  }
}
