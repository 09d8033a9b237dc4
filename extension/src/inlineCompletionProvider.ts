/**
 * Ghost-text completions from the server's standard `textDocument/inlineCompletion`, plus the
 * lifecycle events the metrics need: shown, partially accepted (word/line), accepted (the item's
 * command), rejected.
 *
 * Why not vscode-languageclient's built-in inline completion feature: its provider is created
 * inside the library and registered before we could add methods, and VS Code decides at
 * registration time whether a provider receives show/partial-accept/reject events. So Tandem
 * registers this provider and the client leaves the built-in one out (languageClient.ts).
 *
 * The event hooks belong to VS Code's `inlineCompletionsAdditions` API proposal: VS Code calls
 * them only where that proposal is enabled for Tandem (code-server or VS Code started with
 * `--enable-proposed-api tandem-dev.tandem`). Elsewhere only full accepts are reported.
 */
import * as vscode from 'vscode';
import { InlineCompletionRequest } from 'vscode-languageclient/node';
import type { CompletionAcceptParams, CompletionItemData } from '../../server/src/protocol';
import { ClientNotifications } from '../../server/src/protocolMessages';
import { isCancellation } from './cancellation';
import { acceptedLengthOf, CompletionEventTracker, isCompletionItemData } from './completionEvents';
import { completionsEnabled } from './config';
import { mayRequestCompletion } from './completionPrivacy';
import type { TandemClient } from './languageClient';

export class TandemInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  private readonly tracker = new CompletionEventTracker();
  /** The last failure logged, so a broken server does not log the same line on every keystroke. */
  private lastLoggedFailure = '';

  constructor(private readonly client: TandemClient) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | vscode.InlineCompletionList | undefined> {
    const settings = vscode.workspace.getConfiguration('tandem', document);
    if (!this.client.isRunning() || !completionsEnabled(settings)) return undefined;
    // Excluded files and disabled languages are not requested at all (the server refuses them too).
    if (!mayRequestCompletion(settings, document.uri.toString(), document.languageId)) return undefined;
    // Over tandem.completion.maxFileBytes the server was not given the document (documentSizeGate.ts).
    if (this.client.isUnsynced(document.uri)) return undefined;
    const { code2ProtocolConverter, protocol2CodeConverter } = this.client.converters;
    try {
      const params = code2ProtocolConverter.asInlineCompletionParams(document, position, context);
      // The token becomes `$/cancelRequest`, which the server turns into an AbortSignal.
      const result = await this.client.sendRequest(InlineCompletionRequest.type, params, token);
      if (token.isCancellationRequested || !result) return undefined;
      this.lastLoggedFailure = '';
      return await protocol2CodeConverter.asInlineCompletionResult(result, token);
    } catch (error) {
      if (!token.isCancellationRequested && !isCancellation(error)) this.logFailure(error);
      return undefined;
    }
  }

  // ---- inlineCompletionsAdditions hooks (see the file comment) ---------------------------------

  handleDidShowCompletionItem(item: vscode.InlineCompletionItem, _updatedInsertText?: string): void {
    const data = dataOf(item);
    if (data && this.tracker.shown(data)) {
      this.client.sendNotification(ClientNotifications.completionDidShow, { requestId: data.requestId });
    }
  }

  /** Called with a number by older VS Code and additionally with `{ kind, acceptedLength }` by newer. */
  handleDidPartiallyAcceptCompletionItem(item: vscode.InlineCompletionItem, info: unknown): void {
    const data = dataOf(item);
    const length = acceptedLengthOf(info);
    if (!data || length === undefined) return;
    const reported = this.tracker.partiallyAccepted(data, length);
    if (reported !== undefined) this.sendAccept(data, reported);
  }

  handleDidRejectCompletionItem(item: vscode.InlineCompletionItem): void {
    const data = dataOf(item);
    if (data && this.tracker.rejected(data)) {
      this.client.sendNotification(ClientNotifications.completionDidReject, { requestId: data.requestId });
    }
  }

  /** Runs as the item's command (`tandem.didAcceptCompletion`) after VS Code inserted all of it. */
  handleAcceptCommand(argument: unknown): void {
    if (!isCompletionItemData(argument)) {
      this.client.output.warn('tandem.didAcceptCompletion ran without valid completion data; ignored.');
      return;
    }
    const length = this.tracker.accepted(argument);
    if (length !== undefined) this.sendAccept(argument, length);
  }

  private sendAccept(data: CompletionItemData, acceptedLength: number): void {
    const params: CompletionAcceptParams = { requestId: data.requestId, acceptedLength };
    this.client.sendNotification(ClientNotifications.completionDidAccept, params);
  }

  private logFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastLoggedFailure) return;
    this.lastLoggedFailure = message;
    this.client.output.warn(`Inline completion failed: ${message}`);
  }
}

function dataOf(item: vscode.InlineCompletionItem): CompletionItemData | undefined {
  const argument: unknown = item.command?.arguments?.[0];
  return isCompletionItemData(argument) ? argument : undefined;
}
