/**
 * The post-processing pipeline: the model's raw text → what is worth showing, or '' for
 * nothing. Order matters: cut to one line and cut loops first (later filters then see the
 * text that will be shown), trim whitespace before the echo check (whose result may end in a
 * deliberate line break), fit the text to the cursor's situation (a leading line break, the
 * indentation) and cut it at the end of its block before the echo check compares it with the
 * lines below, brackets after echo (a retyped `)` is not an unbalanced one), and the empty
 * check last.
 */
import { truncateToBlock } from './blockScope';
import { balanceBrackets } from './brackets';
import { fitToCursor } from './cursorSemantics';
import { removeSuffixEcho } from './echoSuffix';
import { dropEmpty } from './empty';
import { removeRepetition } from './repetition';
import { truncateToSingleLine } from './singleLine';
import { trimTrailingWhitespace } from './trailingWhitespace';
import type { CompletionFilter, FilterContext } from './types';

export type { CompletionFilter, FilterContext } from './types';

export const COMPLETION_FILTERS: ReadonlyArray<{ name: string; filter: CompletionFilter }> = [
  { name: 'single-line', filter: truncateToSingleLine },
  { name: 'repetition', filter: removeRepetition },
  { name: 'trailing-whitespace', filter: trimTrailingWhitespace },
  { name: 'cursor', filter: fitToCursor },
  { name: 'block-scope', filter: truncateToBlock },
  { name: 'echo-suffix', filter: removeSuffixEcho },
  { name: 'brackets', filter: balanceBrackets },
  { name: 'empty', filter: dropEmpty },
];

export function postProcess(
  text: string,
  context: FilterContext,
  filters: ReadonlyArray<{ filter: CompletionFilter }> = COMPLETION_FILTERS,
): string {
  let current = text;
  for (const { filter } of filters) {
    if (current === '') return '';
    current = filter(current, context);
  }
  return current;
}
