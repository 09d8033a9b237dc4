/**
 * Syntax validity of an accepted completion: the document is parsed with tree-sitter without and
 * with the accepted text (completion/syntax/grammars.ts). The completion introduced a syntax
 * error when the parse with it has a problem (an ERROR or MISSING node) that overlaps the
 * inserted text, or more problems than the parse without it (it broke code elsewhere, such as an
 * unclosed string swallowing what follows).
 *
 * Why not "more problems than before" alone: completions are asked for in unfinished code, so the
 * document without the text is usually broken right at the cursor (`x = |`), and a completion that
 * leaves it broken there would count as harmless. Errors elsewhere that the text does not touch
 * are not its fault and do not count. Consequence to know when reading the figure: an accepted
 * first line of a block with no body yet (`for x in xs:` at the end of a file) counts as an error.
 */
import type { Node, Parser } from '@vscode/tree-sitter-wasm';
import { loadGrammars, parserFor } from '../syntax/grammars';

interface Problem {
  start: number;
  end: number;
}

/**
 * 1 when inserting `text[start, end)` into the document added a syntax error, else 0;
 * `undefined` for languages without a grammar (or whose grammar failed to load).
 * `text` is the document with the insertion.
 */
export async function syntaxErrorOfInsertion(languageId: string, text: string, start: number, end: number): Promise<0 | 1 | undefined> {
  await loadGrammars([languageId]);
  const parser = parserFor(languageId);
  if (!parser) return undefined;
  const before = problems(parser, text.slice(0, start) + text.slice(end));
  const after = problems(parser, text);
  if (!before || !after) return undefined;
  if (after.length > before.length) return 1;
  return after.some((problem) => overlaps(problem, start, end)) ? 1 : 0;
}

/** A zero-width MISSING node counts at either end of the insertion; others must share a character. */
function overlaps(problem: Problem, start: number, end: number): boolean {
  if (problem.start === problem.end) return problem.start >= start && problem.start <= end;
  return problem.start < end && problem.end > start;
}

/** ERROR nodes (each counted once, not what is inside) and MISSING nodes of a parse. */
function problems(parser: Parser, text: string): Problem[] | undefined {
  const tree = parser.parse(text);
  if (!tree) return undefined;
  try {
    const found: Problem[] = [];
    const visit = (node: Node): void => {
      if (node.isError || node.isMissing) {
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
