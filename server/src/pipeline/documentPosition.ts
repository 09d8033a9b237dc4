/**
 * A position of a request, validated against its document: shared by completion (the cursor)
 * and explain (the selection's ends).
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position } from '../protocol';

/** The request's input cannot be answered as sent (a position outside the document, binary text). */
export class RequestInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidPositionError extends RequestInputError {}

/**
 * Validates the position (TextDocument.offsetAt silently clamps, which would complete at a
 * place the user is not) and returns offsets of the cursor and of its line.
 */
export function locate(document: TextDocument, position: Position): { offset: number; lineStart: number; lineEnd: number } {
  const { line, character } = position;
  if (!Number.isInteger(line) || !Number.isInteger(character) || line < 0 || character < 0) {
    throw new InvalidPositionError(`Invalid position ${describe(position)} in ${document.uri}.`);
  }
  if (line >= document.lineCount) {
    throw new InvalidPositionError(`Position ${describe(position)} is past the last line (${document.lineCount}) of ${document.uri}.`);
  }
  const lineStart = document.offsetAt({ line, character: 0 });
  const lineEnd = document.offsetAt({ line, character: Number.MAX_SAFE_INTEGER });
  if (character > lineEnd - lineStart) {
    throw new InvalidPositionError(
      `Position ${describe(position)} is past the end of line ${line} (length ${lineEnd - lineStart}) in ${document.uri}.`,
    );
  }
  return { offset: lineStart + character, lineStart, lineEnd };
}

function describe(position: Position): string {
  return `${String(position.line)}:${String(position.character)}`;
}
