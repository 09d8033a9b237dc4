/**
 * Tandem's VS Code entry point: wiring only. The language server does the work; this client
 * starts it, forwards completions and explanations, and shows status and metrics.
 */
import * as vscode from 'vscode';
import { BenchmarkRunner } from './benchmarkCommand';
import { CommandIds } from './commandIds';
import { registerCommands } from './commands';
import { ExplainView } from './explainView';
import { TandemInlineCompletionProvider } from './inlineCompletionProvider';
import { DOCUMENT_SELECTOR, TandemClient } from './languageClient';
import { OffloadApiKeyStore } from './offloadApiKey';
import { PerformancePanel } from './performancePanel';
import { registerInlineProvider } from './registerInlineProvider';
import { TandemStatusBarItem } from './statusBarItem';

let client: TandemClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Tandem', { log: true });
  const apiKeys = new OffloadApiKeyStore(context.secrets);
  client = new TandemClient(context, output, apiKeys);
  const completions = new TandemInlineCompletionProvider(client);
  const explainView = new ExplainView(context.extensionUri, client);
  const performancePanel = new PerformancePanel(context.extensionUri, client);
  const inlineProvider = registerInlineProvider(vscode.languages, DOCUMENT_SELECTOR, completions, output);
  // Before start: the server learns from its initialization options whether "shown" is measured.
  client.reportsShownCompletions = inlineProvider.reportsShownCompletions;

  context.subscriptions.push(
    output,
    client,
    explainView,
    performancePanel,
    new TandemStatusBarItem(client, CommandIds.openPerformancePanel),
    inlineProvider,
    ...registerCommands({
      client,
      output,
      apiKeys,
      explainView,
      performancePanel,
      completions,
      benchmark: new BenchmarkRunner(context, output, apiKeys),
    }),
  );

  // Not awaited: activation must not wait for the server; a failure shows in the status bar
  // ("server down") and in the log.
  client.start().catch((error: unknown) => output.error('The Tandem language server failed to start.', error));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
