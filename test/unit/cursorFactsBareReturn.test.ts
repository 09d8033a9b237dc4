/**
 * After `return ` (or `yield `) the user is typing the value: the statement is incomplete, so a
 * completion continues the line. Tree-sitter parses a bare `return` as a whole statement, and
 * until this was fixed the two answers differed: completions after `return ` moved to the next
 * line once the grammar had loaded, and unit tests passed or failed by which file loaded it
 * first (the unit layer now loads grammars before its first test; see scripts/test-layer-entry.mjs).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cursorFacts } from '../../server/src/completion/syntax/cursorFacts';
import { loadGrammars } from '../../server/src/completion/syntax/grammars';

const cases = [
  { languageId: 'python', prefix: 'import math\n\ndef area(r):\n    return ', suffix: '\n' },
  { languageId: 'python', prefix: 'def numbers():\n    yield ', suffix: '\n' },
  { languageId: 'typescript', prefix: 'function area(r: number): number {\n  return ', suffix: '\n}\n' },
  { languageId: 'javascript', prefix: 'function area(r) {\n  return ', suffix: '\n}\n' },
];

describe('cursor facts after a bare return / yield', () => {
  before(async () => {
    assert.deepEqual((await loadGrammars(['python', 'typescript', 'javascript'])).sort(), ['javascript', 'python', 'typescript']);
  });

  for (const input of cases) {
    it(`${input.languageId}: ${JSON.stringify(input.prefix.split('\n').at(-1))} is an incomplete statement, by tree-sitter as by the heuristics`, () => {
      const facts = cursorFacts(input);
      assert.equal(facts.source, 'tree-sitter');
      assert.equal(facts.statementComplete, false);
    });
  }

  it('a complete statement is still complete (the fix is about the keyword, not every line)', () => {
    const facts = cursorFacts({ languageId: 'python', prefix: 'def area(r):\n    return r', suffix: '\n' });
    assert.equal(facts.source, 'tree-sitter');
    assert.equal(facts.statementComplete, true);
  });
});
