/**
 * Small facts about lines of text around the cursor, shared by the multi-line decision, the
 * cursor situation and the filters so that they read a line the same way.
 */

/** The rest of the line may only hold closers the editor auto-inserted, e.g. `{|}` or `(|)`. */
const ONLY_CLOSERS = /^[\s)\]}]*;?\s*$/;

export function onlyAutoClosers(lineSuffix: string): boolean {
  return ONLY_CLOSERS.test(lineSuffix);
}

/** A line's leading blanks. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

/** The nearest non-blank line above the cursor's line ('' when there is none). */
export function previousNonBlankLine(prefix: string, linePrefix: string): string {
  let end = prefix.length - linePrefix.length - 1; // the line break before the cursor's line
  while (end > 0) {
    const start = prefix.lastIndexOf('\n', end - 1) + 1;
    const line = prefix.slice(start, end);
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return '';
}
