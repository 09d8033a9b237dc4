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

/**
 * The id an item's events (show, accept, reject) come back with: the request's own id for its
 * first item, `<id>#2`, `<id>#3` for the other candidates of an explicit trigger (candidates.ts).
 * The client reports the id of the item it displayed, so the server knows which text was accepted.
 */
export function candidateItemId(requestId: string, index: number): string {
  return index === 0 ? requestId : `${requestId}#${String(index + 1)}`;
}

/**
 * `itemId`: the request id, or a candidate's id (candidateItemId). `offset`: characters of the
 * suggestion the user typed along before this item, which holds only the rest (typing along).
 */
export function inlineItem(text: string, position: Position, itemId: string, backend: BackendId, offset = 0): InlineItem {
  const at = { line: position.line, character: position.character };
  return {
    insertText: text,
    range: { start: at, end: { ...at } },
    command: {
      title: 'Tandem: accepted',
      command: ACCEPT_COMMAND,
      arguments: [{ requestId: itemId, backend, insertTextLength: text.length, ...(offset > 0 ? { offset } : {}) }],
    },
  };
}
