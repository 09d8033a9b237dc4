/**
 * Single- or multi-line completion. Multi-line suggestions are valuable where a block starts
 * (after `def f():`, `{`, `=>`) and noise elsewhere: in the middle of a line the user wants the
 * line finished, not a screenful of guesses. `completion.multiline` can force either.
 */
import type { TandemConfig } from '../config';
import { onlyAutoClosers, previousNonBlankLine } from './lineText';

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

export function decideMultiline(input: MultilineInput, setting: TandemConfig['completion']['multiline']): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  if (!onlyAutoClosers(input.lineSuffix)) return false;
  if (BLOCK_OPENER.test(input.linePrefix)) return true;
  // On a fresh (blank) line right after a block opener: the user pressed Enter after `{`.
  if (input.linePrefix.trim() === '') return BLOCK_OPENER.test(previousNonBlankLine(input.prefix, input.linePrefix));
  return false;
}
