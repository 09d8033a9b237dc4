/** Builds a FilterContext from text with a `|` marking the cursor (test helper, not a test). */
import type { FilterContext } from '../../../server/src/completion/filters';
import { classifyCursor } from '../../../server/src/completion/syntax/situation';

export function contextAt(
  marked: string,
  options: { multiline?: boolean; languageId?: string; prefixTruncated?: boolean } = {},
): FilterContext {
  const cursor = marked.indexOf('|');
  if (cursor === -1) throw new Error('Mark the cursor with |');
  const prefix = marked.slice(0, cursor);
  const suffix = marked.slice(cursor + 1);
  const newline = suffix.indexOf('\n');
  const windows = {
    prefix,
    suffix,
    linePrefix: prefix.slice(prefix.lastIndexOf('\n') + 1),
    lineSuffix: newline === -1 ? suffix : suffix.slice(0, newline),
    languageId: options.languageId ?? 'typescript',
  };
  return {
    ...windows,
    multiline: options.multiline ?? false,
    prefixTruncated: options.prefixTruncated ?? false,
    cursor: classifyCursor(windows),
  };
}
