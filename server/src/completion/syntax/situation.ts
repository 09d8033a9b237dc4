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
import { scanBrackets } from '../filters/bracketScan';
import { indentOf, onlyAutoClosers } from '../lineText';
import { cursorFacts, FACTS_PREFIX_CHARS, type CursorFacts } from './cursorFacts';
import { detectIndentUnit } from './indentUnit';

export type CursorKind = 'mid-line' | 'blank-line' | 'after-opener' | 'next-line' | 'continue';

export interface CursorSituation {
  kind: CursorKind;
  /** Text the model is told was typed before its answer; the suggestion starts with it. */
  lead: string;
  /** The indentation new lines are measured from: the cursor line's, or (next-line,
   * after-opener) that of the line where the cursor's statement starts. */
  indent: string;
  /** Indentations a new line may take here, deepest first (Python may dedent to any block).
   * After an opener: only the block body's, one indentation step in from `indent`. */
  lineIndents: string[];
  newlineAllowed: boolean;
  facts: CursorFacts;
}

/** How much text before the cursor classifyCursor wants (where the document has it). */
export const SITUATION_PREFIX_CHARS = FACTS_PREFIX_CHARS;

export interface SituationInput {
  /** Text before the cursor, SITUATION_PREFIX_CHARS of it (less only at the document's start). */
  prefix: string;
  suffix: string;
  linePrefix: string;
  lineSuffix: string;
  languageId: string;
}

const PYTHON_BLOCK_OPENER = /:\s*(?:#.*)?$/;
const BRACE_OPENER = /\{\s*$/;
/** A number, or a word that cannot be the start of a longer one in a complete statement. */
const ENDS_STATEMENT = /(?:(?<![\p{L}_$])\d[\d_.]*|\b(?:pass|break|continue|None|True|False|null|undefined|true|false))$/u;
/** Indentation-sensitive languages: a new line may dedent to any enclosing block. */
const OFFSIDE = new Set(['python', 'yaml', 'coffeescript', 'nim', 'haskell']);
/** Mid-line and on a blank line nothing is asked about strings or brackets: no parse. */
const NO_FACTS: CursorFacts = { inString: false, inComment: false, insideBrackets: false, statementComplete: false, source: 'heuristic' };

export function classifyCursor(input: SituationInput): CursorSituation {
  const { languageId } = input;
  // The lines above the cursor's line, split once for every question below.
  const above = input.prefix.slice(0, input.prefix.length - input.linePrefix.length).split('\n');
  above.pop(); // the cursor line's own start
  const indent = indentOf(input.linePrefix);
  const at = (kind: CursorKind, from: string, lead: string, newlineAllowed: boolean, facts: CursorFacts): CursorSituation => ({
    kind,
    lead,
    indent: from,
    lineIndents: lineIndents(above, from, languageId),
    newlineAllowed,
    facts,
  });

  if (!onlyAutoClosers(input.lineSuffix)) return at('mid-line', indent, '', false, NO_FACTS);
  if (input.linePrefix.trim() === '') return at('blank-line', indent, '', true, NO_FACTS);

  const facts = cursorFacts(input);
  const code = !facts.inString && !facts.inComment;
  // A next line before brackets auto-closed after the cursor would push them down: only a
  // plain line end gets one (after an opener they go to their own line below the block).
  const plainEnd = input.lineSuffix.trim() === '';
  const opener =
    languageId === 'python' ? PYTHON_BLOCK_OPENER.test(input.linePrefix) && !facts.insideBrackets : BRACE_OPENER.test(input.linePrefix);
  // A statement may span lines (`def f(a,\n        b):`): its block and the next statement are
  // indented from the line where it starts, not from its continuation line.
  if (code && opener) {
    const start = statementIndent(above, input.linePrefix, languageId);
    const body = start + detectIndentUnit(above, languageId);
    return { kind: 'after-opener', lead: '\n', indent: start, lineIndents: [body], newlineAllowed: true, facts };
  }
  // A line ending in a word may be a word still being typed (`x = fo|`): the model decides.
  // (Not a number or a keyword that ends a statement: `return 1`, `pass`, `null`.)
  const endsInWord = /[\p{L}\p{N}_$]$/u.test(input.linePrefix) && !ENDS_STATEMENT.test(input.linePrefix);
  if (code && facts.statementComplete && plainEnd && !endsInWord) {
    return at('next-line', statementIndent(above, input.linePrefix, languageId), '\n', true, facts);
  }
  const newlineAllowed = facts.inString
    ? inMultilineString(input.prefix, languageId)
    : facts.statementComplete || facts.inComment || facts.insideBrackets || !OFFSIDE.has(languageId);
  return at('continue', indent, '', newlineAllowed, facts);
}

/** How far up a statement's first line is looked for. */
const MAX_STATEMENT_LINES = 30;

/**
 * The indentation of the line where the statement at the cursor starts: going up from the
 * cursor's line while the text from there to the cursor closes a bracket it did not open
 * (brackets in strings and comments do not count). If no such line is found nearby, the cursor
 * line's own indentation.
 */
function statementIndent(above: readonly string[], linePrefix: string, languageId: string): string {
  let first = linePrefix;
  let text = linePrefix;
  for (let i = above.length - 1; closesUnopened(text, languageId); i--) {
    if (i < Math.max(0, above.length + 1 - MAX_STATEMENT_LINES)) return indentOf(linePrefix);
    first = above[i] ?? '';
    text = `${first}\n${text}`;
  }
  return indentOf(first);
}

function closesUnopened(text: string, languageId: string): boolean {
  return scanBrackets(text, { languageId }).events.some((event) => event.problem === 'excess');
}

/**
 * Indentations a line after the cursor's line may have: `indent`, then (in indentation-sensitive
 * languages) each shallower indentation of the lines above, since a statement may end any number
 * of blocks.
 */
function lineIndents(above: readonly string[], indent: string, languageId: string): string[] {
  const indents = [indent];
  if (!OFFSIDE.has(languageId)) return indents;
  let current = indent.length;
  for (let i = above.length - 1; i >= 0 && current > 0; i--) {
    const line = above[i] ?? '';
    if (line.trim() === '') continue;
    const own = indentOf(line);
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
