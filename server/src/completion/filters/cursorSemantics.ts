/**
 * Makes the model's text fit where the cursor is (see syntax/situation.ts), so that accepting
 * it never makes the cursor's line read differently from what the model meant:
 * - after a lead (next-line, after-opener) the text is a new line: the line break goes first,
 *   and the first line's indentation is one the code allows there;
 * - at the end of an unfinished line, text that starts like an indented line (the model wrote
 *   the next line, as FIM models trained on whole lines do) becomes a new line where a line
 *   break is allowed, and is dropped where it is not, instead of being glued to the line;
 * - on a blank line that already holds indentation, the model's own copy of it is not repeated.
 */
import type { CursorSituation } from '../syntax/situation';
import type { CompletionFilter, FilterContext } from './types';

/** Two or more blanks or a tab: the start of an indented line, not a word separator. */
const LINE_INDENT = /^(?: {2,}|\t)/;
/** In a comment, a comment line's marker (` * @param`, ` // `) starts a new line too. */
const COMMENT_LINE = /^[ \t]*(?:\*|\/\/|#)(?:[ \t]|$)/;

export const fitToCursor: CompletionFilter = (text, context) => {
  const situation = context.cursor;
  switch (situation.kind) {
    case 'next-line':
    case 'after-opener':
      return asNewLines(text, situation, context);
    case 'continue':
      if (!text.startsWith('\n') && !LINE_INDENT.test(text) && !(situation.facts.inComment && COMMENT_LINE.test(text))) return text;
      return situation.newlineAllowed ? asNewLines(text, situation, context) : '';
    case 'blank-line':
      return withoutRepeatedIndent(text, situation.indent);
    case 'mid-line':
      return text;
  }
};

/** The text as the line(s) after the cursor's line, indented as the code allows there. */
function asNewLines(text: string, situation: CursorSituation, context: FilterContext): string {
  const body = text.replace(/^\n+/, '');
  if (body.trim() === '') return '';
  // A copy of the cursor's line, or of the line below it, as the next line is a loop or an
  // echo of the file, not a suggestion.
  const firstKey = body.split('\n')[0]?.trim();
  if (firstKey === context.linePrefix.trim() || firstKey === nextLineBelow(context.suffix)) return '';
  const lines = body.split('\n');
  const first = lines[0] ?? '';
  const own = /^[ \t]*/.exec(first)?.[0] ?? '';
  const target = chooseIndent(own, situation);
  const shifted = lines.map((line, i) => (i === 0 ? target + line.slice(own.length) : reindent(line, own, target)));
  // Closers the editor put after the cursor (`{|}`) go to their own line after the block.
  const closers = context.lineSuffix.trim() === '' ? '' : '\n' + situation.indent;
  return '\n' + shifted.join('\n') + closers;
}

/** The model's indentation when it is one the code allows here, else the expected one. */
function chooseIndent(own: string, situation: CursorSituation): string {
  if (situation.kind === 'after-opener') {
    // One step in from the statement's first line. A deeper indentation the model chose is kept
    // only up to two steps: beyond that it copied a continuation line's alignment (a long
    // parameter list), which would put the whole body in the wrong column.
    const [body = situation.indent] = situation.lineIndents; // the situation's one step in
    const twoSteps = 2 * body.length - situation.indent.length;
    return own.length >= body.length && own.length <= twoSteps && !mixesTabs(own, situation.indent) ? own : body;
  }
  // An unfinished statement goes on at its own indentation or deeper (a continuation line).
  if (situation.kind === 'continue' && !situation.facts.statementComplete) {
    return own.length >= situation.indent.length ? own : situation.indent;
  }
  return situation.lineIndents.includes(own) ? own : situation.indent;
}

/** Later lines keep their indentation relative to the first. */
function reindent(line: string, from: string, to: string): string {
  if (line.trim() === '' || from === to) return line;
  if (to.length > from.length) return to.slice(from.length) + line;
  const cut = from.length - to.length;
  return /^[ \t]*$/.test(line.slice(0, cut)) ? line.slice(cut) : line.trimStart();
}

function withoutRepeatedIndent(text: string, indent: string): string {
  if (indent === '' || !text.startsWith(indent)) return text;
  // The model wrote the whole line, indentation included, after the editor's indentation.
  return text.slice(indent.length);
}

function nextLineBelow(suffix: string): string | undefined {
  return suffix
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .find((line) => line !== '');
}

function mixesTabs(a: string, b: string): boolean {
  return (a.includes('\t') && b.includes(' ')) || (a.includes(' ') && b.includes('\t'));
}
