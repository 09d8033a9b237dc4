/**
 * What the model sees around the cursor: a prefix and a suffix window cut at line boundaries,
 * plus the current line split at the cursor. Only the windows are sliced out of the document,
 * so a 10 MB file costs no more than a small one (getText() returns the stored string itself).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from '../protocol';
import { looksBinary } from '../pipeline/binary';
import { locate, RequestInputError } from '../pipeline/documentPosition';
import type { CrossFileBlocks } from './crossFile/crossFileContext';
import { classifyCursor, SITUATION_PREFIX_CHARS, type CursorSituation } from './syntax/situation';

export interface CompletionContext {
  uri: string;
  languageId: string;
  position: Position;
  /** Absolute offset of the cursor in the document. */
  offset: number;
  /** Text before the cursor, at most maxPrefixChars, starting at a line start when cut. */
  prefix: string;
  /** Text after the cursor, at most maxSuffixChars, ending at a line end when cut. */
  suffix: string;
  /** The current line up to the cursor. */
  linePrefix: string;
  /** The current line after the cursor (without its line break). */
  lineSuffix: string;
  /** True when the prefix window does not reach the start of the document. */
  prefixTruncated: boolean;
  /** Where the cursor is (mid-line, end of a complete line, ...): shapes prompt and filters. */
  cursor: CursorSituation;
  /** Snippets from other open files, per backend (each has its own budget): crossFile/. */
  crossFile?: CrossFileBlocks;
}

export interface ContextLimits {
  maxPrefixChars: number;
  maxSuffixChars: number;
}

/** How many characters on each side of the cursor the binary check samples. */
const BINARY_SAMPLE_CHARS = 2000;

/** The request cannot produce a completion; the server answers it with an empty result. */
export class CompletionContextError extends RequestInputError {}

export class BinaryContentError extends CompletionContextError {}

export function buildCompletionContext(document: TextDocument, position: Position, limits: ContextLimits): CompletionContext {
  const text = document.getText();
  const { offset, lineStart, lineEnd } = locate(document, position);

  const sampleStart = Math.max(0, offset - BINARY_SAMPLE_CHARS);
  if (looksBinary(text.slice(sampleStart, Math.min(text.length, offset + BINARY_SAMPLE_CHARS)))) {
    throw new BinaryContentError(`${document.uri} looks like binary content near the cursor.`);
  }

  const prefixStart = cutForwardToLineStart(text, offset - limits.maxPrefixChars, offset);
  const suffixEnd = cutBackToLineEnd(text, offset + limits.maxSuffixChars, offset);
  const windows = {
    languageId: document.languageId,
    prefix: text.slice(prefixStart, offset),
    suffix: text.slice(offset, suffixEnd),
    // Bounded by the windows too: a minified file can be one 10 MB line.
    linePrefix: text.slice(Math.max(lineStart, prefixStart), offset),
    lineSuffix: text.slice(offset, Math.min(lineEnd, suffixEnd)),
  };
  return {
    uri: document.uri,
    position: { line: position.line, character: position.character },
    offset,
    ...windows,
    prefixTruncated: prefixStart > 0,
    // From its own window, not the prompt's: a prompt window that starts inside a docstring
    // would read the strings after it inside out.
    cursor: classifyCursor({
      ...windows,
      prefix: text.slice(cutForwardToLineStart(text, offset - SITUATION_PREFIX_CHARS, offset), offset),
    }),
  };
}

/** Moves a cut point forward to the next line start, unless the window holds no line break. */
function cutForwardToLineStart(text: string, start: number, limit: number): number {
  if (start <= 0) return 0;
  const newline = text.indexOf('\n', start - 1);
  return newline !== -1 && newline < limit ? newline + 1 : start;
}

/** Moves a cut point back to the end of the previous full line, unless the window has none. */
function cutBackToLineEnd(text: string, end: number, limit: number): number {
  if (end >= text.length) return text.length;
  const newline = text.lastIndexOf('\n', end);
  return newline >= limit ? newline : end;
}
