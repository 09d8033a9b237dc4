/**
 * Single-line mode shows one line: everything after the first line break goes. The stop
 * sequence `\n` usually does this already, but not every backend honours stop sequences.
 */
import type { CompletionFilter } from './types';

export const truncateToSingleLine: CompletionFilter = (text, context) => {
  if (context.multiline) return text;
  const newline = text.search(/\r?\n/);
  return newline === -1 ? text : text.slice(0, newline);
};
