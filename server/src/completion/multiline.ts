/**
 * Single- or multi-line completion. Multi-line suggestions are valuable where a block starts
 * (after `def f():`, `{`, `=>`) and noise elsewhere: in the middle of a line the user wants the
 * line finished, not a screenful of guesses. `completion.multiline` can force either.
 */
import type { TandemConfig } from '../config';

export interface MultilineInput {
  /** Text before the cursor (the context's prefix window). */
  prefix: string;
  /** The current line up to the cursor. */
  linePrefix: string;
  /** The current line after the cursor. */
  lineSuffix: string;
}

/** Line endings that open a block: Python/YAML `:`, C-family `{`, arrows, open brackets. */
const BLOCK_OPENER = /(?::|\{|=>|\(|\[)\s*$/;

/** The rest of the line may only hold closers the editor auto-inserted, e.g. `{|}` or `(|)`. */
const ONLY_CLOSERS = /^[\s)\]}]*;?\s*$/;

export function decideMultiline(input: MultilineInput, setting: TandemConfig['completion']['multiline']): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  if (!ONLY_CLOSERS.test(input.lineSuffix)) return false;
  if (BLOCK_OPENER.test(input.linePrefix)) return true;
  // On a fresh (blank) line right after a block opener: the user pressed Enter after `{`.
  if (input.linePrefix.trim() === '') return BLOCK_OPENER.test(previousNonBlankLine(input.prefix, input.linePrefix));
  return false;
}

function previousNonBlankLine(prefix: string, linePrefix: string): string {
  const before = prefix.slice(0, prefix.length - linePrefix.length);
  const lines = before.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (line.trim() !== '') return line;
  }
  return '';
}
