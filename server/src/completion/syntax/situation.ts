/**
 * Where the cursor is decides what a suggestion may be (what Copilot, Tabby and llm-ls do):
 * - mid-line: finish the line; the text after the cursor stays as it is.
 * - blank-line: the line(s) to write there, at the line's indentation.
 * - after-opener: at the end of a line that opens a block (`:` in Python, `{`): the block, on
 *   new lines.
 * - next-line: at the end of a complete statement: the next line(s), or nothing. The model is
 *   asked for them as if the line break were typed (`lead`), which is how it saw whole lines in
 *   training; the suggestion then starts with that line break.
 * - continue: at the end of an unfinished line (an operator, an open bracket, a string or a
 *   comment, or a word the user may still be typing): the model finishes the line. If its text
 *   starts like an indented line instead, it is a next line and needs the line break — where a
 *   line break is allowed (`newlineAllowed`) — or is dropped.
 */
import { cursorFacts, type CursorFacts } from './cursorFacts';

export type CursorKind = 'mid-line' | 'blank-line' | 'after-opener' | 'next-line' | 'continue';

export interface CursorSituation {
  kind: CursorKind;
  /** Text the model is told was typed before its answer; the suggestion starts with it. */
  lead: string;
  /** The cursor line's indentation. */
  indent: string;
  /** One indentation step in this document (a tab or some spaces). */
  indentUnit: string;
  /** Indentations a new line may take here, deepest first (Python may dedent to any block). */
  lineIndents: string[];
  newlineAllowed: boolean;
  facts: CursorFacts;
}

export interface SituationInput {
  prefix: string;
  suffix: string;
  linePrefix: string;
  lineSuffix: string;
  languageId: string;
}

/** The rest of the line may only hold closers the editor auto-inserted, e.g. `{|}` or `(|)`. */
const ONLY_CLOSERS = /^[\s)\]}]*;?\s*$/;
const PYTHON_BLOCK_OPENER = /:\s*(?:#.*)?$/;
const BRACE_OPENER = /\{\s*$/;
/** A number, or a word that cannot be the start of a longer one in a complete statement. */
const ENDS_STATEMENT = /(?:(?<![\p{L}_$])\d[\d_.]*|\b(?:pass|break|continue|None|True|False|null|undefined|true|false))$/u;
/** Indentation-sensitive languages: a new line may dedent to any enclosing block. */
const OFFSIDE = new Set(['python', 'yaml', 'coffeescript', 'nim', 'haskell']);

export function classifyCursor(input: SituationInput): CursorSituation {
  const indent = /^[ \t]*/.exec(input.linePrefix)?.[0] ?? '';
  const indentUnit = detectIndentUnit(input.prefix, input.languageId);
  const base = { indent, indentUnit, lineIndents: lineIndents(input.prefix, indent, input.languageId) };
  const atLineEnd = input.lineSuffix.trim() === '' || ONLY_CLOSERS.test(input.lineSuffix);
  const blank = input.linePrefix.trim() === '';
  const skip: CursorFacts = { inString: false, inComment: false, insideBrackets: false, statementComplete: false, source: 'heuristic' };
  if (!atLineEnd) return { ...base, kind: 'mid-line', lead: '', newlineAllowed: false, facts: skip };
  if (blank) return { ...base, kind: 'blank-line', lead: '', newlineAllowed: true, facts: skip };

  const facts = cursorFacts(input);
  const code = !facts.inString && !facts.inComment;
  // A next line before brackets auto-closed after the cursor would push them down: only a
  // plain line end gets one (after an opener they go to their own line below the block).
  const plainEnd = input.lineSuffix.trim() === '';
  const opener = input.languageId === 'python'
    ? PYTHON_BLOCK_OPENER.test(input.linePrefix) && !facts.insideBrackets
    : BRACE_OPENER.test(input.linePrefix);
  // A statement may span lines (`def f(a,\n        b):`): its block and the next statement are
  // indented from the line where it starts, not from its continuation line.
  const start = statementIndent(input.prefix, indent);
  const fromStart = { ...base, indent: start, lineIndents: lineIndents(input.prefix, start, input.languageId) };
  if (code && opener) {
    return { ...fromStart, kind: 'after-opener', lead: '\n', lineIndents: [start + indentUnit], newlineAllowed: true, facts };
  }
  // A line ending in a word may be a word still being typed (`x = fo|`): the model decides.
  // (Not a number or a keyword that ends a statement: `return 1`, `pass`, `null`.)
  const endsInWord = /[\p{L}\p{N}_$]$/u.test(input.linePrefix) && !ENDS_STATEMENT.test(input.linePrefix);
  if (code && facts.statementComplete && plainEnd && !endsInWord) {
    return { ...fromStart, kind: 'next-line', lead: '\n', newlineAllowed: true, facts };
  }
  const newlineAllowed = facts.inString
    ? inMultilineString(input.prefix, input.languageId)
    : facts.statementComplete || facts.inComment || facts.insideBrackets || !OFFSIDE.has(input.languageId);
  return { ...base, kind: 'continue', lead: '', newlineAllowed, facts };
}

const OPENERS = '([{';
const CLOSERS = ')]}';
/** How far up a statement's first line is looked for. */
const MAX_STATEMENT_LINES = 30;

/**
 * The indentation of the line where the statement at the cursor starts: going up from the
 * cursor's line while the text from there to the cursor closes a bracket it did not open.
 * (A rough scan: brackets inside strings count too, which only matters when they are
 * unbalanced; then the cursor line's own indentation is kept.)
 */
function statementIndent(prefix: string, cursorIndent: string): string {
  const lines = prefix.split('\n');
  for (let first = lines.length - 1; first >= Math.max(0, lines.length - MAX_STATEMENT_LINES); first--) {
    if (!closesUnopened(lines.slice(first).join('\n'))) {
      return /^[ \t]*/.exec(lines[first] ?? '')?.[0] ?? cursorIndent;
    }
  }
  return cursorIndent;
}

function closesUnopened(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (OPENERS.includes(char)) depth++;
    else if (CLOSERS.includes(char) && --depth < 0) return true;
  }
  return false;
}

/** The indentation step: a tab, or the smallest indentation change between nearby lines. */
export function detectIndentUnit(prefix: string, languageId: string): string {
  const lines = prefix.slice(-4000).split('\n').filter((line) => line.trim() !== '');
  let smallest = Infinity;
  let tabs = 0;
  let previous = 0;
  for (const line of lines) {
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (indent.startsWith('\t')) tabs++;
    const width = indent.length;
    if (width > previous && !indent.includes('\t')) smallest = Math.min(smallest, width - previous);
    previous = width;
  }
  if (tabs > lines.length / 2) return '\t';
  if (smallest !== Infinity && smallest <= 8) return ' '.repeat(smallest);
  return languageId === 'python' ? '    ' : '  ';
}

/**
 * Indentations a line after the cursor's line may have: the cursor line's own, then (in
 * indentation-sensitive languages) each shallower indentation of the lines above, since a
 * statement may end any number of blocks.
 */
function lineIndents(prefix: string, indent: string, languageId: string): string[] {
  const indents = [indent];
  if (!OFFSIDE.has(languageId)) return indents;
  const lines = prefix.split('\n');
  let current = indent.length;
  for (let i = lines.length - 2; i >= 0 && current > 0; i--) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const own = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (own.length < current) {
      indents.push(own);
      current = own.length;
    }
  }
  return indents;
}

/** Inside a string that may span lines (Python triple quotes, JS template literals): a cheap count. */
function inMultilineString(prefix: string, languageId: string): boolean {
  const text = prefix.slice(-8000);
  const count = (quote: string) => text.split(quote).length - 1;
  return languageId === 'python' ? (count('"""') + count("\'\'\'")) % 2 === 1 : count('`') % 2 === 1;
}
