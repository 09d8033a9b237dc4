/**
 * The inline completion items the server returns: shaped like LSP 3.18 InlineCompletionItem,
 * with a command the client runs on accept so acceptance flows back into the metrics.
 */
import type { BackendId, CompletionItemData, Position, Range } from '../protocol';

export const ACCEPT_COMMAND = 'tandem.didAcceptCompletion';

export interface InlineItem {
  insertText: string;
  /** What the item replaces: the empty range at the cursor (overlap with the text after the
   * cursor was already removed by the echo filter). */
  range: Range;
  command: { title: string; command: string; arguments: [CompletionItemData] };
}

export function inlineItem(text: string, position: Position, requestId: string, backend: BackendId): InlineItem {
  const at = { line: position.line, character: position.character };
  return {
    insertText: text,
    range: { start: at, end: { ...at } },
    command: {
      title: 'Tandem: accepted',
      command: ACCEPT_COMMAND,
      arguments: [{ requestId, backend, insertTextLength: text.length }],
    },
  };
}
