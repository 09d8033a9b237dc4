/**
 * Sliding windows of lines over the other open documents, each with its identifier set, cached
 * per document version: a document the user is not editing is split and scanned once, not on
 * every keystroke in another file. Bounded in documents kept, characters read and windows made.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { identifierSet } from './identifiers';

export interface LineWindow {
  /** Zero-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
  identifiers: ReadonlySet<string>;
}

export interface WindowLimits {
  windowLines: number;
  /** Lines between the starts of consecutive windows. */
  stepLines: number;
  /** Only this many characters from a document's start are indexed. */
  maxDocumentChars: number;
  maxWindowsPerDocument: number;
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = {
  windowLines: 16,
  stepLines: 8,
  maxDocumentChars: 200_000,
  maxWindowsPerDocument: 400,
};

interface Indexed {
  version: number;
  lines: readonly string[];
  windows: readonly LineWindow[];
}

export class WindowIndex {
  /** Map order is recency; the first entry is dropped when full. */
  private readonly documents = new Map<string, Indexed>();

  constructor(
    private readonly limits: WindowLimits = DEFAULT_WINDOW_LIMITS,
    private readonly maxDocuments = 64,
  ) {}

  /** True when the document's current version is indexed (asking for it costs nothing). */
  has(document: TextDocument): boolean {
    return this.documents.get(document.uri)?.version === document.version;
  }

  /** The document's windows, built at most once per version. */
  windows(document: TextDocument): readonly LineWindow[] {
    return this.indexed(document).windows;
  }

  /** The document's lines (as indexed), for cutting windows at other places (definitions). */
  lines(document: TextDocument): readonly string[] {
    return this.indexed(document).lines;
  }

  forget(uri: string): void {
    this.documents.delete(uri);
  }

  private indexed(document: TextDocument): Indexed {
    const cached = this.documents.get(document.uri);
    if (cached && cached.version === document.version) {
      this.documents.delete(document.uri);
      this.documents.set(document.uri, cached);
      return cached;
    }
    const lines = document.getText().slice(0, this.limits.maxDocumentChars).split('\n');
    const indexed = { version: document.version, lines, windows: slideWindows(lines, this.limits) };
    this.documents.delete(document.uri);
    if (this.documents.size >= this.maxDocuments) this.documents.delete(this.documents.keys().next().value as string);
    this.documents.set(document.uri, indexed);
    return indexed;
  }
}

export function slideWindows(lines: readonly string[], limits: WindowLimits): LineWindow[] {
  const windows: LineWindow[] = [];
  for (let start = 0; start < lines.length && windows.length < limits.maxWindowsPerDocument; start += limits.stepLines) {
    const end = Math.min(lines.length, start + limits.windowLines) - 1;
    const text = lines.slice(start, end + 1).join('\n');
    if (text.trim() !== '') windows.push({ startLine: start, endLine: end, text, identifiers: identifierSet(text) });
    if (end === lines.length - 1) break;
  }
  return windows;
}
