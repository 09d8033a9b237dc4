import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionCases, firstLine, hasCompleteLine, sampleSorted } from '../../server/src/bench/heldout';
import { seededRandom } from '../../server/src/seededRandom';
import { pythonDocPairs } from '../../server/src/bench/pythonDocPairs';
import { jsDocPairs } from '../../server/src/bench/jsDocPairs';
import { cleandoc, summarise } from '../../server/src/bench/docSummary';

describe('held-out completion cases', () => {
  const text = ['import os', '', '', 'def f(x):', '    y = x + 1', '    if y > 2:', '        return y', '    return 0', ''].join('\n');

  it('samples the same lines for the same seed, in file order', () => {
    const a = sampleSorted([...'abcdefghij'], 4, seededRandom(7));
    assert.deepEqual(a, sampleSorted([...'abcdefghij'], 4, seededRandom(7)));
    assert.deepEqual([...a].sort(), a);
    assert.equal(new Set(a).size, 4);
    assert.equal(sampleSorted([1, 2], 5, seededRandom(1)).length, 2);
  });

  it('ends next-line prompts at the end of the previous line and frames FIM around the line', () => {
    const cases = completionCases([{ name: 'f.py', language: 'python', text }], {
      casesPerFile: 10,
      seed: 1,
      prefixChars: 10_000,
      fimPrefixChars: 10_000,
      suffixChars: 10_000,
    });
    assert.deepEqual(
      cases.map((c) => c.line),
      [6, 7, 8],
    ); // lines >= 6 (index 5) that are not trivial
    const [first] = cases;
    assert.ok(first);
    assert.equal(first.reference, 'if y > 2:');
    assert.equal(first.nextLinePrefix, 'import os\n\n\ndef f(x):\n    y = x + 1');
    assert.equal(first.fimPrefix, 'import os\n\n\ndef f(x):\n    y = x + 1\n');
    assert.equal(first.fimSuffix, '\n        return y\n    return 0\n');
  });

  it('keeps only whole lines when the prefix is cut', () => {
    const cases = completionCases([{ name: 'f.py', language: 'python', text }], {
      casesPerFile: 10,
      seed: 3,
      prefixChars: 25,
      fimPrefixChars: 25,
      suffixChars: 5,
    });
    const item = cases.find((c) => c.line === 7);
    assert.ok(item);
    assert.equal(item.fimPrefix, '    if y > 2:\n'); // the last 25 characters start mid-line
    assert.equal(item.nextLinePrefix, '    if y > 2:');
    assert.equal(item.fimSuffix, '\n    ');
  });

  it('judges the first non-blank line, complete once a newline follows it', () => {
    assert.equal(firstLine('\n    return y\n    x'), 'return y');
    assert.equal(hasCompleteLine('\n    return y'), false);
    assert.equal(hasCompleteLine('\n    return y\n'), true);
  });
});

describe('docstring and JSDoc pairs', () => {
  it('summarises the first sentence, or two short ones', () => {
    assert.equal(summarise('Return the sum. Both must be ints.\n\nMore text.'), 'Return the sum. Both must be ints.');
    assert.equal(
      summarise('Parse the {@link Glob|glob} pattern into a regular expression object.'),
      'Parse the Glob pattern into a regular expression object.',
    );
    assert.equal(summarise('Too short.'), undefined);
    assert.equal(summarise('>>> f(1)'), undefined);
    assert.equal(cleandoc('  First line.\n      indented\n      more\n  '), 'First line.\nindented\nmore');
  });

  it('takes Python functions and classes with their docstring removed', () => {
    const source = [
      'class Box:',
      '    """A box that holds one value."""',
      '',
      '    @property',
      '    def value(self):',
      '        """Return the value held in the box.',
      '',
      '        Details here.',
      '        """',
      '        return self._value',
      '',
      'def bare():',
      '    return 1',
      '',
    ].join('\n');
    const pairs = pythonDocPairs(source, 'box.py');
    assert.deepEqual(
      pairs.map((p) => [p.name, p.summary, p.code]),
      [
        [
          'Box',
          'A box that holds one value.',
          'class Box:\n\n    @property\n    def value(self):\n        """Return the value held in the box.\n\n        Details here.\n        """\n        return self._value',
        ],
        ['value', 'Return the value held in the box.', '@property\ndef value(self):\n    return self._value'],
      ],
    );
  });

  it('takes JSDoc-commented declarations with their brace-matched body', () => {
    const source = [
      '/**',
      ' * Adds two numbers together and returns the sum.',
      ' * @param a first',
      ' */',
      'export function add(a: number, b: number): number {',
      "  const s = '}';",
      '  return a + b;',
      '}',
      '',
      '/** Not a declaration below. */',
      'if (x) {}',
    ].join('\n');
    const pairs = jsDocPairs(source, 'add.ts', 'typescript');
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0]?.name, 'add');
    assert.equal(pairs[0]?.summary, 'Adds two numbers together and returns the sum.');
    assert.equal(pairs[0]?.code, "export function add(a: number, b: number): number {\n  const s = '}';\n  return a + b;\n}");
  });
});
