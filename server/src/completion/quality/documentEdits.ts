/**
 * A document change as offsets: LSP sends ranges (line, character) against the text as it was
 * before each change of a notification, in order; range tracking (survival.ts) needs offsets.
 */
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** `start`/`end`: offsets in the text just before this edit; `text` replaces them. */
export interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The changes of one `didChange` as offset edits, to apply in order; `undefined` when one of
 * them replaced the whole text (no range: where anything went is unknown). `before` is the
 * document before the changes and is not modified.
 */
export function offsetEdits(before: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): OffsetEdit[] | undefined {
  if (changes.some((change) => !('range' in change))) return undefined;
  // One change (typing) is read off the document as it is; several (multi-cursor) need the text
  // after each one, so they are replayed on a copy.
  let document = before;
  const edits: OffsetEdit[] = [];
  changes.forEach((change, i) => {
    if (!('range' in change)) return;
    edits.push({ start: document.offsetAt(change.range.start), end: document.offsetAt(change.range.end), text: change.text });
    if (i < changes.length - 1) {
      if (document === before) document = TextDocument.create(before.uri, before.languageId, before.version, before.getText());
      document = TextDocument.update(document, [change], document.version + 1);
    }
  });
  return edits;
}
