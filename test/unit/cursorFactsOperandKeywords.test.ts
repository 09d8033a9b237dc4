/**
 * A line that ends in a keyword taking an operand (`return `, `raise `, `throw `, `= new `, ...)
 * is unfinished, with the tree-sitter grammars loaded as without them (syntax/cursorFacts.ts):
 * tree-sitter parses several of them as whole statements (a bare `return`, `raise`, `yield`) or
 * as plain names (`new`, `await`, `let` in TypeScript), and where its parse is broken the
 * heuristics answer, which used to miss `raise`, `throw`, `del`, `case`, `else`. Lines that do end
 * a statement stay complete: postfix operators, property names that happen to be keywords.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cursorFacts } from '../../server/src/completion/syntax/cursorFacts';
import { loadGrammars } from '../../server/src/completion/syntax/grammars';

type Case = [languageId: string, line: string];

/** The line as the last of a function body, with the rest of the function after the cursor. */
function input([languageId, line]: Case) {
  if (languageId === 'python') return { languageId, prefix: `async def f(items, x):\n    ${line}`, suffix: '\n    return x\n' };
  return { languageId, prefix: `async function* f(items, x) {\n  ${line}`, suffix: '\n  return x;\n}\n' };
}

const UNFINISHED: Case[] = [
  ['python', 'return '],
  ['python', 'yield '],
  ['python', 'raise '],
  ['python', 'x = await '],
  ['python', 'del '],
  ['python', 'assert '],
  ['python', 'global '],
  ['python', 'x = x if items else '],
  ['python', 'import numpy as '],
  ['typescript', 'return '],
  ['typescript', 'throw '],
  ['typescript', 'const y = new '],
  ['typescript', 'let '],
  ['typescript', 'delete '],
  ['typescript', 'const y = x as '],
  ['typescript', 'export default '],
  ['typescript', 'yield '],
  ['javascript', 'return '],
  ['javascript', 'throw '],
  ['javascript', 'x = await '],
  ['javascript', 'const y = typeof '],
];

const COMPLETE: Case[] = [
  ['python', 'return x'],
  ['python', 'from os import *'],
  ['python', 'raise ValueError(x)'],
  ['python', 'x = items.default'],
  ['typescript', 'x++'],
  ['typescript', 'return x;'],
  ['typescript', 'let a: Array<number>'],
  ['typescript', 'items.delete'],
  ['typescript', 'break'],
  ['javascript', 'throw new Error(x);'],
];

describe('cursor facts at a line ending in an operand-taking keyword', () => {
  before(async () => {
    assert.deepEqual((await loadGrammars(['python', 'typescript', 'javascript'])).sort(), ['javascript', 'python', 'typescript']);
  });

  for (const item of UNFINISHED) {
    it(`${item[0]}: ${JSON.stringify(item[1])} is unfinished (tree-sitter and heuristics agree)`, () => {
      const facts = cursorFacts(input(item));
      assert.equal(facts.source, 'tree-sitter');
      assert.equal(facts.statementComplete, false);
      // The same line in a language without a grammar: the heuristics alone.
      assert.equal(cursorFacts({ ...input(item), languageId: 'plaintext-' + item[0] }).statementComplete, false);
    });
  }

  for (const item of COMPLETE) {
    it(`${item[0]}: ${JSON.stringify(item[1])} is a complete statement`, () => {
      const facts = cursorFacts(input(item));
      assert.equal(facts.source, 'tree-sitter');
      assert.equal(facts.statementComplete, true);
    });
  }
});
