/**
 * Keeps documents over `tandem.completion.maxFileBytes` off the server: the language client's
 * didOpen / didChange / didClose middleware asks the gate first. Every synced document costs
 * the server an update on every keystroke (about 12 ms per MB), and Tandem never needs a huge
 * file whole: completions read a few kilobytes around the cursor.
 *
 * A document that grows past the limit is closed on the server; one that shrinks back under it
 * is opened again with its full text, so the server's copy is never stale. The gate does not
 * import `vscode`: it is unit-tested with plain objects.
 */

/** The part of vscode.TextDocument the gate reads. */
export interface SizedDocument {
  readonly uri: { toString(): string };
  readonly lineCount: number;
  getText(): string;
  offsetAt?(position: { line: number; character: number }): number;
  lineAt?(line: number): { range: { end: { line: number; character: number } } };
}

/** What the gate tells the middleware to do with one event. */
export type SyncAction =
  | 'forward' // pass the event on (the server has the document, or gets it now)
  | 'drop' // the server does not have it and must not: swallow the event
  | 'close-on-server' // it just grew too big: send didClose instead of the change
  | 'open-on-server'; // it just shrank back under the limit: send didOpen with the full text

export class DocumentSizeGate {
  /** Documents the editor has open that the server does not know about, by URI. */
  private readonly unsynced = new Set<string>();

  constructor(private readonly maxBytes: () => number) {}

  /** Also called for every open document when the client (re)starts a server. */
  didOpen(document: SizedDocument): SyncAction {
    const uri = document.uri.toString();
    if (!this.tooLarge(document)) {
      this.unsynced.delete(uri);
      return 'forward';
    }
    this.unsynced.add(uri);
    return 'drop';
  }

  didChange(document: SizedDocument): SyncAction {
    const uri = document.uri.toString();
    const tooLarge = this.tooLarge(document);
    if (this.unsynced.has(uri)) {
      if (tooLarge) return 'drop';
      this.unsynced.delete(uri);
      return 'open-on-server';
    }
    if (!tooLarge) return 'forward';
    this.unsynced.add(uri);
    return 'close-on-server';
  }

  didClose(document: SizedDocument): SyncAction {
    return this.unsynced.delete(document.uri.toString()) ? 'drop' : 'forward';
  }

  /** Whether a completion request for this document is pointless (the server does not have it). */
  isUnsynced(uri: { toString(): string }): boolean {
    return this.unsynced.has(uri.toString());
  }

  private tooLarge(document: SizedDocument): boolean {
    const max = this.maxBytes();
    const chars = characterCount(document);
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: most documents are decided without encoding them.
    if (chars > max) return true;
    if (chars * 3 <= max) return false;
    return Buffer.byteLength(document.getText(), 'utf8') > max;
  }
}

/** UTF-16 length without copying the text when the document can say it (VS Code's can). */
function characterCount(document: SizedDocument): number {
  if (document.offsetAt && document.lineAt && document.lineCount > 0) {
    return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
  }
  return document.getText().length;
}
