/**
 * The server's copies of open documents, bounded. In place of vscode-languageserver's
 * TextDocuments, which keeps every document any client opens, forever, and updates each one on
 * every keystroke (about 12 ms per MB): here a document over `tandem.completion.maxFileBytes` is
 * not kept (a client that does not filter them itself still cannot make the server pay), and
 * beyond a count or a total size the least recently used documents are dropped.
 *
 * A completion for a document that is not here gets no items; `explainMissing` logs why, once
 * per document and reason, instead of failing.
 */
import type { Connection, DidChangeTextDocumentParams, TextDocumentItem } from 'vscode-languageserver/node';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Logger } from '../logger';

export interface DocumentWindowOptions {
  /** The per-document limit in bytes, read on every open and change (settings may change). */
  maxDocumentBytes: () => number;
  /** Most documents kept; default 200. */
  maxDocuments?: number;
  /** Most UTF-16 characters kept over all documents; default 32 Mi (about 64 MB of strings). */
  maxTotalChars?: number;
}

type MissingReason = 'too-large' | 'evicted';

/** How many "why is it missing" entries are remembered; old ones only lose their reason. */
const MAX_REMEMBERED_REASONS = 1000;

export class DocumentWindow {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly documents = new Map<string, TextDocument>();
  private totalChars = 0;
  /** Why a document the client opened is not here, and its language (to take it back on a full-text change). */
  private readonly missing = new Map<string, { reason: MissingReason; languageId: string }>();
  private readonly reported = new Set<string>();
  private readonly closeListeners: Array<(event: { document: TextDocument }) => void> = [];
  private readonly changeListeners: Array<(document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]) => void> = [];
  private readonly maxDocuments: number;
  private readonly maxTotalChars: number;

  constructor(private readonly options: DocumentWindowOptions) {
    this.maxDocuments = options.maxDocuments ?? 200;
    this.maxTotalChars = options.maxTotalChars ?? 32 * 1024 * 1024;
  }

  listen(connection: Connection): void {
    connection.onDidOpenTextDocument((params) => this.open(params.textDocument));
    connection.onDidChangeTextDocument((params) => this.change(params));
    connection.onDidCloseTextDocument((params) => this.close(params.textDocument.uri));
  }

  /** The document, marked as recently used; undefined when it is not kept. */
  get(uri: string): TextDocument | undefined {
    const document = this.documents.get(uri);
    if (document) this.touch(uri, document);
    return document;
  }

  get size(): number {
    return this.documents.size;
  }

  /** The kept documents, most recently used or edited first, without marking any as used. */
  recent(): TextDocument[] {
    return [...this.documents.values()].reverse();
  }

  /** Called when a document leaves the window: closed by the client, evicted or grown too large. */
  onDidClose(listener: (event: { document: TextDocument }) => void): void {
    this.closeListeners.push(listener);
  }

  /**
   * Called with a kept document and a change, before the change is applied (the document still
   * holds the old text, which the change's ranges refer to). Changes to documents not kept are not seen.
   */
  onWillChange(listener: (document: TextDocument, changes: readonly TextDocumentContentChangeEvent[]) => void): void {
    this.changeListeners.push(listener);
  }

  /** Logs, once per document and reason, why a request found no document. */
  explainMissing(uri: string, log: Logger): void {
    const reason = this.missing.get(uri)?.reason;
    const key = `${reason ?? 'unknown'} ${uri}`;
    if (this.reported.has(key)) return;
    if (this.reported.size >= MAX_REMEMBERED_REASONS) this.reported.clear();
    this.reported.add(key);
    log.info(`No completion for ${uri}: ${describeReason(reason, this.options.maxDocumentBytes())}`);
  }

  open(item: TextDocumentItem): void {
    this.drop(item.uri);
    if (this.tooLarge(item.text)) {
      this.remember(item.uri, 'too-large', item.languageId);
      return;
    }
    this.missing.delete(item.uri);
    this.insert(item.uri, TextDocument.create(item.uri, item.languageId, item.version, item.text));
  }

  change(params: DidChangeTextDocumentParams): void {
    const uri = params.textDocument.uri;
    const document = this.documents.get(uri);
    if (!document) {
      // Not kept (too large, evicted): only a full-text change can bring it back.
      const full = params.contentChanges.findLast((change) => !('range' in change));
      const before = this.missing.get(uri);
      if (full && before) this.open({ uri, languageId: before.languageId, version: params.textDocument.version, text: full.text });
      return;
    }
    for (const listener of this.changeListeners) listener(document, params.contentChanges);
    this.totalChars -= document.getText().length;
    // update() edits `document` in place and returns it: `remove` below subtracts the new length.
    const updated = TextDocument.update(document, params.contentChanges, params.textDocument.version ?? document.version);
    this.totalChars += updated.getText().length;
    if (this.tooLarge(updated.getText())) {
      this.remove(uri, 'too-large', document.languageId);
      return;
    }
    this.touch(uri, updated);
    this.evict();
  }

  close(uri: string): void {
    this.missing.delete(uri);
    this.drop(uri);
  }

  private insert(uri: string, document: TextDocument): void {
    this.documents.set(uri, document);
    this.totalChars += document.getText().length;
    this.evict();
  }

  private touch(uri: string, document: TextDocument): void {
    this.documents.delete(uri);
    this.documents.set(uri, document);
  }

  /** Least recently used first, but never the document just opened or edited. */
  private evict(): void {
    while (this.documents.size > 1 && (this.documents.size > this.maxDocuments || this.totalChars > this.maxTotalChars)) {
      const oldest = this.documents.keys().next().value as string;
      this.remove(oldest, 'evicted', this.documents.get(oldest)?.languageId ?? 'plaintext');
    }
  }

  private remove(uri: string, reason: MissingReason, languageId: string): void {
    this.drop(uri);
    this.remember(uri, reason, languageId);
  }

  /** Forgets the document and tells the listeners (the runtime forgets its per-document state). */
  private drop(uri: string): void {
    const document = this.documents.get(uri);
    if (!document) return;
    this.documents.delete(uri);
    this.totalChars -= document.getText().length;
    for (const listener of this.closeListeners) listener({ document });
  }

  private remember(uri: string, reason: MissingReason, languageId: string): void {
    if (this.missing.size >= MAX_REMEMBERED_REASONS) this.missing.delete(this.missing.keys().next().value as string);
    this.missing.set(uri, { reason, languageId });
  }

  private tooLarge(text: string): boolean {
    const max = this.options.maxDocumentBytes();
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: most texts are decided without encoding them.
    if (text.length > max) return true;
    if (text.length * 3 <= max) return false;
    return Buffer.byteLength(text, 'utf8') > max;
  }
}

function describeReason(reason: MissingReason | undefined, maxBytes: number): string {
  switch (reason) {
    case 'too-large':
      return `the document is over tandem.completion.maxFileBytes (${maxBytes} bytes), so the server does not keep it.`;
    case 'evicted':
      return 'the server dropped its copy to bound memory (many or large documents open); reopen the file to complete in it.';
    default:
      return 'the document is not open in the server.';
  }
}
