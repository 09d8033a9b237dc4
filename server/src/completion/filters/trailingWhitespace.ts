/**
 * Trailing spaces on a line and trailing blank lines are invisible in ghost text but become
 * lint errors once accepted. The last line keeps its trailing space when text follows the
 * cursor: `foo |bar` must not become `foobar`.
 */
import type { CompletionFilter } from './types';

export const trimTrailingWhitespace: CompletionFilter = (text, context) => {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const last = lines.length - 1;
  const trimmed = lines.map((line, index) => (index < last || context.lineSuffix.trim() === '' ? line.replace(/[ \t]+$/, '') : line));
  while (trimmed.length > 1 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  return trimmed.join('\n');
};
