/**
 * The code to explain: the selected range, validated, bounded by `explain.maxInputChars`
 * (cut at a line end when possible) and refused when empty or binary. Only the selected
 * slice is copied out of the document.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { looksBinary } from '../pipeline/binary';
import { locate, RequestInputError } from '../pipeline/documentPosition';
import type { Range } from '../protocol';

/** The request cannot be answered as asked; the message says what to do instead. */
export class ExplainInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExplainInputError';
  }
}

export interface SelectedCode {
  code: string;
  truncated: boolean;
}

export function selectCode(document: TextDocument, range: Range, maxChars: number): SelectedCode {
  let start: number;
  let end: number;
  try {
    start = locate(document, range.start).offset;
    end = locate(document, range.end).offset;
  } catch (error) {
    if (!(error instanceof RequestInputError)) throw error;
    throw new ExplainInputError(`The selection is outside the document: ${error.message}`, { cause: error });
  }
  if (end < start) [start, end] = [end, start];
  const text = document.getText();
  let cut = end;
  if (end - start > maxChars) {
    const newline = text.lastIndexOf('\n', start + maxChars);
    cut = newline > start + maxChars / 2 ? newline : start + maxChars;
  }
  const code = text.slice(start, cut);
  if (code.trim() === '') throw new ExplainInputError('Select some code to explain; the selection is empty.');
  if (looksBinary(code)) throw new ExplainInputError('The selection looks like binary data, not code; Tandem only explains text.');
  return { code, truncated: cut < end };
}
