/**
 * Registers Tandem's inline completion provider where VS Code allows its event hooks, and a plain
 * one where it does not.
 *
 * VS Code throws from `registerInlineCompletionItemProvider` when the provider has the
 * `inlineCompletionsAdditions` hooks (handleDidShowCompletionItem, …) and that API proposal is
 * not enabled for the extension: in stable VS Code it is enabled only for extensions started with
 * `--enable-proposed-api` (code-server allows every proposal). Without this fallback, activation
 * would fail there and Tandem would offer no completions at all. The plain provider still
 * reports full accepts (through the item's command); only shown and partial accepts go unrecorded.
 */
import type * as vscode from 'vscode';

type Languages = Pick<typeof vscode.languages, 'registerInlineCompletionItemProvider'>;

/** The registration, and whether VS Code will report displayed items (the server is told, so
 * "shown" means displayed there, and "returned" where it does not). */
export type InlineProviderRegistration = vscode.Disposable & { reportsShownCompletions: boolean };

export function registerInlineProvider(
  languages: Languages,
  selector: vscode.DocumentSelector,
  provider: vscode.InlineCompletionItemProvider,
  log: Pick<vscode.LogOutputChannel, 'info'>,
): InlineProviderRegistration {
  try {
    const registration = languages.registerInlineCompletionItemProvider(selector, provider);
    return withShowEvents(registration, 'handleDidShowCompletionItem' in provider);
  } catch (error) {
    log.info(
      `Inline completion events are not available here (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); ` +
        'shown and partially accepted completions are not recorded. Start VS Code with --enable-proposed-api tandem-dev.tandem to record them.',
    );
    const plain: vscode.InlineCompletionItemProvider = {
      provideInlineCompletionItems: (document, position, context, token) =>
        provider.provideInlineCompletionItems(document, position, context, token),
    };
    return withShowEvents(languages.registerInlineCompletionItemProvider(selector, plain), false);
  }
}

function withShowEvents(registration: vscode.Disposable, reportsShownCompletions: boolean): InlineProviderRegistration {
  return { dispose: () => registration.dispose(), reportsShownCompletions };
}
