/**
 * Syntax validity of an accepted completion: did accepting it add a syntax error? The document
 * is parsed with tree-sitter (completion/syntax/grammars.ts) without and with the accepted text,
 * and the problems of each parse (ERROR and MISSING nodes) are compared place by place.
 *
 * The rule: the completion introduced an error when the parse with it has a problem that no
 * problem of the parse without it accounts for at the corresponding place. Places correspond
 * through the edit: text before the insertion keeps its offsets, text after it moves by the
 * inserted length, and a problem at the cursor (spanning it, or next to it on its line) stretches
 * over the inserted text. A problem that touches the inserted text is accounted for only by that
 * problem at the cursor, and only when it is the same one going on: the same token missing, or
 * an ERROR that starts where the old one started (the statement the text went into was broken
 * and still is). So
 * - code that was unfinished at the cursor and stays unfinished (`max(a, |` completed with `b`,
 *   the user's `(` still open) is not blamed on the completion, nor are errors elsewhere that it
 *   leaves alone (another half-typed line, the `}` of a function not written yet);
 * - a mistake in the inserted text, or a new error anywhere it causes (an unclosed string or an
 *   early `}` that breaks the code after it), counts; so does a bracket it leaves open;
 * - a completion that ends by opening a block whose body is not written yet (`def f(x):`,
 *   `if (a) {`) is judged with an empty body after it (`pass`, `}`): the body is the user's next
 *   line, not a fault.
 *
 * Known limits: the comparison is only as fine as tree-sitter's error recovery. When the
 * statement at the cursor was already broken and the parser reports the completion's mistake as
 * that same ERROR (from the same start), it is not counted (`Math.max(a, |` completed with
 * `b c`). A line the user would have finished by typing on (a call whose arguments continue on
 * the next line) counts as an error.
 */
import type { Node, Parser } from '@vscode/tree-sitter-wasm';
import { loadGrammars, parserFor } from '../syntax/grammars';

/** An ERROR node (counted once, not what is inside it) or a MISSING node, as offsets. */
interface Problem {
  start: number;
  end: number;
  /** A MISSING node's type (the token the parser had to invent); undefined for an ERROR node. */
  missing?: string;
}

/** `{` at the end of the inserted text opens a block (brace languages). */
const BRACE_BLOCK_OPENER = /\{[ \t]*$/;
/** `:` at the end of a line, before an optional comment (Python). */
const PYTHON_BLOCK_OPENER = /:[ \t]*(?:#.*)?$/;

/**
 * 1 when inserting `text[start, end)` into the document added a syntax error, else 0;
 * `undefined` for languages without a grammar (or whose grammar failed to load).
 * `text` is the document with the insertion.
 */
export async function syntaxErrorOfInsertion(languageId: string, text: string, start: number, end: number): Promise<0 | 1 | undefined> {
  await loadGrammars([languageId]);
  const parser = parserFor(languageId);
  if (!parser) return undefined;
  const withoutText = text.slice(0, start) + text.slice(end);
  const before = problems(parser, withoutText);
  const after = problems(parser, text);
  if (!before || !after) return undefined;
  // The cursor's place: the insertion point and the blanks around it on its line.
  const cursor = {
    start: start - (/[ \t]*$/.exec(withoutText.slice(Math.max(0, start - 1000), start))?.[0].length ?? 0),
    end: start + (/^[ \t]*/.exec(withoutText.slice(start, start + 1000))?.[0].length ?? 0),
  };
  const old = (length: number) => before.map((problem) => mapThroughInsertion(problem, cursor, start, length));
  if (!hasNewProblem(after, old(end - start), start, end)) return 0;
  const body = emptyBody(text, start, end, languageId);
  if (body === undefined) return 1;
  const closed = problems(parser, text.slice(0, end) + body + text.slice(end));
  const length = end - start + body.length;
  return closed && !hasNewProblem(closed, old(length), start, start + length) ? 0 : 1;
}

/** A problem of the text without the insertion, where it stands in the text with it. */
interface OldProblem extends Problem {
  /** It was at the cursor: it may excuse problems in the inserted text. */
  atCursor: boolean;
}

/**
 * Text before the insertion point `at` keeps its offsets, text after it moves by `length`. A
 * problem at the cursor (reaching into `cursor`: the insertion point and the blanks around it on
 * its line) stretches over the inserted text: the text went into what was broken there.
 */
function mapThroughInsertion(problem: Problem, cursor: { start: number; end: number }, at: number, length: number): OldProblem {
  if (problem.start <= cursor.end && problem.end >= cursor.start) {
    return { ...problem, start: Math.min(problem.start, at), end: Math.max(problem.end, at) + length, atCursor: true };
  }
  if (problem.end <= at) return { ...problem, atCursor: false };
  return { ...problem, start: problem.start + length, end: problem.end + length, atCursor: false };
}

/**
 * A problem of the parse with the insertion that no old problem excuses. An old problem excuses
 * one at the same place. In the inserted text [start, end) only the old problem at the cursor
 * does, and only when the new one is that same problem going on through the text: the same
 * token missing, or an ERROR that starts where the old one started (the statement the text went
 * into was broken and still is). An ERROR that begins elsewhere is the text's own, such as a
 * statement that was broken only by being unfinished and is now broken by what was added.
 * A MISSING node excuses only the same token missing; an ERROR excuses both (what broke the
 * parse there may now read as a missing token).
 */
function hasNewProblem(found: readonly Problem[], old: readonly OldProblem[], start: number, end: number): boolean {
  const inserted = { start, end };
  return found.some((problem) => {
    const inInsertion = overlaps(problem, inserted);
    return !old.some(
      (previous) =>
        overlaps(problem, previous) &&
        (previous.missing === undefined || previous.missing === problem.missing) &&
        (!inInsertion ||
          (previous.atCursor && (problem.missing !== undefined || (problem.start < start && problem.start === previous.start)))),
    );
  });
}

/** Ranges share a character; a zero-width one (a MISSING node) counts anywhere in or at the ends of the other. */
function overlaps(a: Problem, b: Problem): boolean {
  if (a.start === a.end) return a.start >= b.start && a.start <= b.end;
  if (b.start === b.end) return b.start >= a.start && b.start <= a.end;
  return a.start < b.end && a.end > b.start;
}

/**
 * The empty body to judge the inserted text with when it ends by opening a block, else
 * undefined. Python: a `pass` line one step deeper than the line the text ends on; brace
 * languages: the closing `}`.
 */
function emptyBody(text: string, start: number, end: number, languageId: string): string | undefined {
  const inserted = text.slice(start, end);
  if (languageId === 'python') {
    if (!PYTHON_BLOCK_OPENER.test(inserted)) return undefined;
    const lineStart = text.lastIndexOf('\n', end - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart, end))?.[0] ?? '';
    return `\n${indent}${indent.includes('\t') ? '\t' : '    '}pass`;
  }
  return BRACE_BLOCK_OPENER.test(inserted) ? '}' : undefined;
}

/**
 * ERROR nodes (each counted once, not what is inside) and MISSING nodes of a parse. The parser
 * puts a MISSING node right after the last token before the gap where something is missing, so
 * it stands for that gap and its blanks (a `}` missing at the end of the file is missing at the
 * end of the file, wherever the last token now ends).
 */
function problems(parser: Parser, text: string): Problem[] | undefined {
  const tree = parser.parse(text);
  if (!tree) return undefined;
  try {
    const found: Problem[] = [];
    const visit = (node: Node): void => {
      if (node.isMissing) {
        const blanks = /^\s*/.exec(text.slice(node.endIndex, node.endIndex + 1000))?.[0].length ?? 0;
        found.push({ start: node.startIndex, end: node.endIndex + blanks, missing: node.type });
        return;
      }
      if (node.isError) {
        found.push({ start: node.startIndex, end: node.endIndex });
        return;
      }
      if (!node.hasError) return;
      for (let i = 0; i < node.childCount; i++) {
        const child = node.child(i);
        if (child) visit(child);
      }
    };
    visit(tree.rootNode);
    return found;
  } finally {
    tree.delete();
  }
}
