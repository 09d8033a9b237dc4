/**
 * Typing-along reuse: while the user types the first characters of a completion that is on
 * screen, the rest of it is still the answer, so it is served with no model call.
 *
 * A remembered completion matches a new cursor context when the user typed a proper prefix of
 * it right at the old cursor and nothing else changed in the compared context:
 *   new prefix = old prefix + typed, typed = completion[0..k) with 0 < k <= completion.length,
 *   new suffix = old suffix.
 * k = completion.length (all of it typed) is a hit with nothing left to serve: the caller learns
 * the suggestion was typed out, and asks a model for the next one.
 * Callers whose prefix is a sliding window (the last N characters) pass the absolute cursor
 * `offset`: then k = new offset − old offset and only the overlapping part of the two windows
 * must agree. Without offsets the rule above is applied literally.
 *
 * Pure and in memory: no clock, no I/O. Memory is bounded by `maxDocuments` × `maxPerDocument`
 * entries, each holding at most `comparedPrefixChars` of prefix, a hash of the suffix and the
 * completion.
 */
import { createHash } from 'node:crypto';
import type { BackendId } from '../protocol';

export interface TypingContext {
  prefix: string;
  suffix: string;
  /** Absolute cursor offset in the document (UTF-16 code units). */
  offset?: number;
}

export interface ShownCompletion extends TypingContext {
  completion: string;
  backend?: BackendId;
  model?: string;
  /** The item id the suggestion was returned with: a hit answers under it, so typing along a
   * suggestion stays one suggestion (one metrics row) however many characters are typed. */
  requestId?: string;
}

export interface TypingAlongHit {
  /** What is left of the completion after what the user typed; '' when all of it was typed. */
  text: string;
  typedLength: number;
  backend?: BackendId;
  model?: string;
  requestId?: string;
}

/** An edit in the document, as offsets in the text before the edit. */
export interface DocumentEdit {
  start: number;
  end: number;
}

export interface TypingAlongOptions {
  maxDocuments?: number;
  maxPerDocument?: number;
  /** How much of the prefix before the cursor is kept and compared. */
  comparedPrefixChars?: number;
  /** Longer completions are not remembered. */
  maxCompletionChars?: number;
}

interface Entry {
  prefixTail: string;
  prefixLength: number;
  suffixHash: string;
  completion: string;
  offset?: number;
  backend?: BackendId;
  model?: string;
  requestId?: string;
}

export class TypingAlong {
  private readonly documents = new Map<string, Entry[]>();
  private readonly maxDocuments: number;
  private readonly maxPerDocument: number;
  private readonly comparedPrefixChars: number;
  private readonly maxCompletionChars: number;

  constructor(options: TypingAlongOptions = {}) {
    this.maxDocuments = options.maxDocuments ?? 64;
    this.maxPerDocument = options.maxPerDocument ?? 8;
    this.comparedPrefixChars = options.comparedPrefixChars ?? 2000;
    this.maxCompletionChars = options.maxCompletionChars ?? 10_000;
  }

  /** Call when a completion was shown at `shown`'s cursor context. */
  remember(uri: string, shown: ShownCompletion): void {
    if (shown.completion.length < 2 || shown.completion.length > this.maxCompletionChars) return;
    const entry: Entry = {
      prefixTail: detachedCopy(shown.prefix.slice(-this.comparedPrefixChars)),
      prefixLength: shown.prefix.length,
      suffixHash: hashSuffix(shown.suffix),
      completion: shown.completion,
      offset: shown.offset,
      backend: shown.backend,
      model: shown.model,
      requestId: shown.requestId,
    };
    const entries = this.touch(uri);
    entries.unshift(entry);
    if (entries.length > this.maxPerDocument) entries.length = this.maxPerDocument;
  }

  /** The rest of a remembered completion the user is typing along (or typed out), newest first. */
  lookup(uri: string, context: TypingContext): TypingAlongHit | undefined {
    const entries = this.documents.get(uri);
    if (!entries || entries.length === 0) return undefined;
    const suffixHash = hashSuffix(context.suffix);
    for (const entry of entries) {
      if (entry.suffixHash !== suffixHash) continue;
      const typedLength = this.typedLength(entry, context);
      if (typedLength === undefined) continue;
      this.touch(uri);
      return {
        text: entry.completion.slice(typedLength),
        typedLength,
        backend: entry.backend,
        model: entry.model,
        ...(entry.requestId === undefined ? {} : { requestId: entry.requestId }),
      };
    }
    return undefined;
  }

  /**
   * Call on every document change. Entries with an offset survive only edits inside the region
   * where their completion is being typed; entries without one are checked by `lookup` instead.
   */
  noteEdit(uri: string, edit: DocumentEdit): void {
    const entries = this.documents.get(uri);
    if (!entries) return;
    const kept = entries.filter(
      (entry) => entry.offset === undefined || (edit.start >= entry.offset && edit.end <= entry.offset + entry.completion.length),
    );
    if (kept.length === 0) this.documents.delete(uri);
    else this.documents.set(uri, kept);
  }

  /** Call when a document closes or is replaced wholesale. */
  forget(uri: string): void {
    this.documents.delete(uri);
  }

  clear(): void {
    this.documents.clear();
  }

  /** Remembered completions across all documents. */
  get size(): number {
    let total = 0;
    for (const entries of this.documents.values()) total += entries.length;
    return total;
  }

  /** How many characters of `entry.completion` were typed, or undefined when it does not match. */
  private typedLength(entry: Entry, context: TypingContext): number | undefined {
    const windowed = entry.offset !== undefined && context.offset !== undefined;
    const typed =
      entry.offset !== undefined && context.offset !== undefined
        ? context.offset - entry.offset
        : context.prefix.length - entry.prefixLength;
    if (typed <= 0 || typed > entry.completion.length) return undefined;
    if (!context.prefix.endsWith(entry.completion.slice(0, typed))) return undefined;
    const before = context.prefix.slice(0, context.prefix.length - typed);
    if (!windowed && before.length !== entry.prefixLength) return undefined;
    const compared = Math.min(before.length, entry.prefixTail.length);
    if (compared === 0) return entry.prefixTail.length === 0 && before.length === 0 ? typed : undefined;
    return before.endsWith(entry.prefixTail.slice(-compared)) ? typed : undefined;
  }

  /** Least recently used document goes first when there are too many. */
  private touch(uri: string): Entry[] {
    const entries = this.documents.get(uri) ?? [];
    this.documents.delete(uri);
    this.documents.set(uri, entries);
    while (this.documents.size > this.maxDocuments) {
      const oldest = this.documents.keys().next().value;
      if (oldest === undefined) break;
      this.documents.delete(oldest);
    }
    return entries;
  }
}

function hashSuffix(suffix: string): string {
  return createHash('sha1').update(suffix, 'utf16le').digest('base64');
}

/**
 * A slice of a large string can keep the whole original alive (V8 sliced strings); a round trip
 * through a buffer makes a string that owns only its own characters.
 */
function detachedCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
