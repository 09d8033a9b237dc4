/**
 * Syntax validity of accepted completions (completion/quality/syntaxCheck.ts) on fixtures that
 * do and do not break the parse, with the real tree-sitter grammars.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { syntaxErrorOfInsertion } from '../../../server/src/completion/quality/syntaxCheck';
import { loadGrammars } from '../../../server/src/completion/syntax/grammars';

/** The document with `inserted` at the `|` of `template`, and where it went. */
function fixture(template: string, inserted: string) {
  const at = template.indexOf('|');
  const text = template.slice(0, at) + inserted + template.slice(at + 1);
  return [text, at, at + inserted.length] as const;
}

const check = (languageId: string, template: string, inserted: string) => syntaxErrorOfInsertion(languageId, ...fixture(template, inserted));

describe('syntax validity of an accepted completion', () => {
  before(async () => {
    assert.deepEqual((await loadGrammars(['typescript', 'python'])).sort(), ['python', 'typescript']);
  });

  it('TypeScript: a completion that keeps the parse clean is 0, one that breaks it is 1', async () => {
    const template = 'function add(a: number, b: number): number {\n  return |\n}\n\nexport { add };\n';
    assert.equal(await check('typescript', template, 'a + b;'), 0);
    assert.equal(await check('typescript', template, 'a + ;'), 1);
    assert.equal(await check('typescript', template, 'a + (b * 2;'), 1);
  });

  it('TypeScript: completing a statement that was unfinished is not an error it added', async () => {
    assert.equal(await check('typescript', 'const total = |\nconsole.log(total);\n', 'items.length;'), 0);
  });

  it('Python: a completion that keeps the parse clean is 0, one that breaks it is 1', async () => {
    const template = 'import math\n\ndef area(r):\n    return |\n\nprint(area(2))\n';
    assert.equal(await check('python', template, 'math.pi * r ** 2'), 0);
    assert.equal(await check('python', template, 'math.pi * (r ** 2'), 1);
    assert.equal(await check('python', template, 'math.pi r r'), 1);
  });

  it('unfinished code at the cursor: a completion that finishes it is 0, one that leaves it broken is 1', async () => {
    const template = 'import math\n\ndef area(r):\n    result = |\n    return result\n';
    assert.equal(await check('python', template, 'math.pi * r ** 2'), 0);
    assert.equal(await check('python', template, 'math.pi r ** 2'), 1);
    assert.equal(await check('typescript', 'const total = |\nconsole.log(total);\n', 'items.reduce((a, b) => a + b, 0;'), 1);
  });

  it('an error elsewhere in the document that the completion leaves alone does not count', async () => {
    const template = 'def broken(:\n    pass\n\ndef area(r):\n    return |\n';
    assert.equal(await check('python', template, 'r * r'), 0);
  });

  it('languages without a grammar stay unset', async () => {
    assert.equal(await check('rust', 'fn main() { | }', 'let x = ;'), undefined);
  });
});
