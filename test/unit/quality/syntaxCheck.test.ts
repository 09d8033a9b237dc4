/**
 * Syntax validity of accepted completions (completion/quality/syntaxCheck.ts) on fixtures that
 * do and do not break the parse, with the real tree-sitter grammars: made-up documents with the
 * situations completions are accepted in, and the four accepts of the e2e run (test/e2e: the
 * spots its probe found in the held-out files, with the text Tab inserted there, read off the
 * run's screenshots). Each of the three the panel counted as broken also fails Python's own
 * compile() or TypeScript's parser; the fourth is a block header whose body is not written yet.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { syntaxErrorOfInsertion } from '../../../server/src/completion/quality/syntaxCheck';
import { loadGrammars } from '../../../server/src/completion/syntax/grammars';

/** The document with `inserted` at the `|` of `template`, and where it went. */
function fixture(template: string, inserted: string) {
  const at = template.indexOf('|');
  const text = template.slice(0, at) + inserted + template.slice(at + 1);
  return [text, at, at + inserted.length] as const;
}

const check = (languageId: string, template: string, inserted: string) =>
  syntaxErrorOfInsertion(languageId, ...fixture(template, inserted));

const HELDOUT = join(__dirname, '../../fixtures/heldout');

/**
 * A held-out file as the e2e workspace has it when Tab is pressed: `inserted` at the end of the
 * 0-based `line`, and each of `cutLines` missing its last 3 characters (a typing spot not typed
 * yet: test/e2e/support/session.ts, prepareWorkspace).
 */
function heldoutAccept(languageId: string, file: string, line: number, inserted: string, cutLines: number[] = []) {
  const lines = readFileSync(join(HELDOUT, file), 'utf8').split('\n');
  for (const cut of cutLines) lines[cut] = (lines[cut] ?? '').slice(0, -3);
  const at = lines.slice(0, line + 1).join('\n').length;
  const text = lines.join('\n');
  return syntaxErrorOfInsertion(languageId, text.slice(0, at) + inserted + text.slice(at), at, at + inserted.length);
}

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

  it('unfinished code at the cursor: a completion that finishes it is 0, a mistake of its own in it is 1', async () => {
    const template = 'import math\n\ndef area(r):\n    result = |\n    return result\n';
    assert.equal(await check('python', template, 'math.pi * r ** 2'), 0);
    assert.equal(await check('python', template, 'math.pi r ** 2'), 1);
    assert.equal(await check('typescript', 'const total = |\nconsole.log(total);\n', 'items.reduce((a, b) => a + b, 0;'), 1);
    assert.equal(await check('typescript', 'function f(a: number) {\n  const x = |\n  return x;\n}\n', 'a a;'), 1);
  });

  it('a correct line accepted into a half-written function is 0; a broken one is 1', async () => {
    // The user writes at the end of what is written so far; the rest of the file follows.
    const python = 'import math\n\ndef stats(xs):\n    total = sum(xs)\n    |\n\n\ndef other():\n    return 1\n';
    assert.equal(await check('python', python, 'mean = total / len(xs)'), 0);
    assert.equal(await check('python', python, 'mean = total / len(xs))'), 1);
    assert.equal(await check('python', 'def f(xs):\n    total = 0\n    for x in xs:\n        |\n', 'total += x'), 0);
    // TypeScript: the function's `}` is not written yet, so the parse is broken before and after.
    const typescript =
      'export function mean(xs: number[]): number {\n  const total = xs.reduce((a, b) => a + b, 0);\n  |\n\nexport function other(): number {\n  return 1;\n}\n';
    assert.equal(await check('typescript', typescript, 'const count = xs.length;'), 0);
    assert.equal(await check('typescript', typescript, 'return total / xs.length;'), 0);
    assert.equal(await check('typescript', typescript, 'const count = xs.length);'), 1);
    assert.equal(await check('typescript', typescript, 'return total / ;'), 1);
    const atEndOfFile = 'export function mean(xs: number[]): number {\n  const total = xs.reduce((a, b) => a + b, 0);\n  |';
    assert.equal(await check('typescript', atEndOfFile, 'const count = xs.length;'), 0);
    assert.equal(await check('typescript', atEndOfFile, 'const count = xs.length);'), 1);
  });

  it('a line with an unbalanced bracket is 1, also in a half-written function', async () => {
    assert.equal(await check('python', 'def f(a, b, c):\n    |\n', 'return max(a, (b + c)'), 1);
    assert.equal(await check('python', 'def f(a, b, c):\n    x = a\n    |\n    if x >', 'return max(a, (b + c)'), 1);
    assert.equal(await check('typescript', 'function f(a: number, b: number) {\n  |\n}\n', 'return Math.max(a, (b + 1);'), 1);
    assert.equal(await check('typescript', 'function f(a: number, b: number) {\n  |\n}\n', 'return a + b);'), 1);
  });

  it('a bracket the user left open stays theirs: completing inside it is 0', async () => {
    // Before: `max(a, ` is unclosed; the completion adds arguments and does not close it either.
    assert.equal(await check('python', 'def f(a, b, c):\n    return max(a, |\n', '(b + c)'), 0);
    assert.equal(await check('python', 'def f(xs):\n    total = max(xs|\n    return total\n', ', key=len'), 0);
    assert.equal(await check('python', 'def f(xs):\n    total = max(xs|\n    return total\n', ', key=len)'), 0);
  });

  it('known limit: a mistake the parser folds into the error that was already at the cursor is not counted', async () => {
    // `Math.max(a, ` was broken (unclosed); `b c` is wrong too, but the parser reports one ERROR
    // from `const` to the end of the text, as it did before the text was inserted.
    assert.equal(await check('typescript', 'const m = Math.max(a, |\n', 'b c'), 0);
    // An extra `)` that closes the user's bracket and one more: one ERROR from `total` as before.
    assert.equal(await check('python', 'def f(xs):\n    total = max(xs|\n    return total\n', ', key=len))'), 0);
    // Where the parser reports the same mistake as an ERROR of its own, it counts.
    assert.equal(await check('typescript', 'const m = Math.max(a, |\nconsole.log(m);\n', 'b));'), 1);
  });

  it('the first line of a block whose body is not written yet is 0 (the body is the next line); a broken header is 1', async () => {
    // Decision (documented in syntaxCheck.ts): judged with an empty body (`pass`, `}`) after it.
    assert.equal(await check('python', 'import math\n\n|', 'def area(r):'), 0);
    assert.equal(await check('python', 'def f(xs):\n    |\n\nprint(f([]))\n', 'for x in xs:'), 0);
    assert.equal(await check('python', 'class Shape:\n    |\n    def area(self):\n        return 0\n', 'def perimeter(self):'), 0);
    assert.equal(await check('python', 'import math\n\n|', 'def area(r:'), 1);
    assert.equal(await check('typescript', 'function f(a: number) {\n  |\n  return a;\n}\n', 'if (a > 0) {'), 0);
    assert.equal(await check('typescript', 'function f(a: number) {\n  |', 'if (a > 0) {'), 0);
    assert.equal(await check('typescript', 'function f(a: number) {\n  |\n  return a;\n}\n', 'if (a > 0 {'), 1);
  });

  it('an error elsewhere in the document that the completion leaves alone does not count', async () => {
    const template = 'def broken(:\n    pass\n\ndef area(r):\n    return |\n';
    assert.equal(await check('python', template, 'r * r'), 0);
    assert.equal(await check('typescript', 'const a = (1 + ;\n\nfunction f(x: number) {\n  return |\n}\n', 'x * 2;'), 0);
  });

  it('an insertion that breaks the code after it is 1 (an unclosed string, an early closing brace)', async () => {
    const template = 'def f(x):\n    y = |\n    return y\n\ndef g():\n    return "done"\n';
    assert.equal(await check('python', template, '"unclosed'), 1);
    assert.equal(
      await check(
        'typescript',
        'function f(x: number) {\n  if (x > 0) {\n    x++;|\n    x *= 2;\n  } else {\n    x--;\n  }\n  return x;\n}\n',
        '\n  }',
      ),
      1,
    );
  });

  describe('the accepts of the e2e run (held-out files, workspace as the e2e test leaves it)', () => {
    it('fractions.py: a docstring line that starts with """ inside a docstring closes it early: 1', async () => {
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 196, '\n        """Return the integer ratio as a tuple.'), 1);
    });

    it('utils.ts: a } after the first line of an if block closes it early and orphans its else: 1', async () => {
      assert.equal(await heldoutAccept('typescript', 'typescript/utils.ts', 42, '\n\t\t}'), 1);
    });

    it('textwrap.py: a block that opens a docstring and never closes it: 1', async () => {
      const block = '\n        """\n        Return the sender' + ' for the sender'.repeat(8);
      assert.equal(await heldoutAccept('python', 'python/textwrap.py', 124, block), 1);
    });

    it('shlex.py: `if self.debug:` before code at the same indentation, a body not written yet: 0', async () => {
      assert.equal(await heldoutAccept('python', 'python/shlex.py', 108, '\n        if self.debug:'), 0);
    });

    it('a correct next line while another typing spot in the file is still cut is 0', async () => {
      // Line 192 (`return cls(*dec.as_integer_ratio())`) cut to an unclosed call below the accept.
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 179, '\n', [191]), 0);
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 185, '\n            dec = Decimal(dec)', [191]), 0);
    });

    it('completing the cut line itself: finishing it or leaving open the call the user opened is 0, an extra bracket is 1', async () => {
      const cut = '        return cls(*dec.as_integer_ratio';
      const lines = readFileSync(join(HELDOUT, 'python/fractions.py'), 'utf8').split('\n');
      assert.equal(lines[191]?.slice(0, -3), cut);
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 191, '())', [191]), 0);
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 191, '()', [191]), 0);
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 191, '()))', [191]), 1);
      assert.equal(await heldoutAccept('python', 'python/fractions.py', 191, '(]', [191]), 1);
    });
  });

  it('languages without a grammar stay unset', async () => {
    assert.equal(await check('rust', 'fn main() { | }', 'let x = ;'), undefined);
  });
});
