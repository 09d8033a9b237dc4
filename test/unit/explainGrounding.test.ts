import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groundingScore, namedIdentifiers } from '../../server/src/explain/grounding';

const PY = 'def area(r):\n    return math.pi * r ** 2\n';

const TS = `export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}`;

describe('explanation grounding', () => {
  it('is undefined when the explanation names no identifier (plain prose)', () => {
    const result = groundingScore('Computes the area of a circle from its radius. It is a pure function.', PY);
    assert.deepEqual(result, { score: undefined, named: [], grounded: [] });
  });

  it('is 1 when every named identifier occurs in the selection', () => {
    const result = groundingScore('`area` multiplies `math.pi` by the square of `r`.', PY);
    assert.deepEqual(result.named, ['area', 'math', 'pi', 'r']);
    assert.equal(result.score, 1);
  });

  it('counts hallucinated names against the score', () => {
    const explanation =
      '`clamp` keeps `value` between `low` and `high` using Math.min and Math.max. ' +
      'If `low > high` it calls validateRange() and throws a RangeError via raise_error.';
    const result = groundingScore(explanation, TS);
    // RangeError has an inner capital, so it is code-like; the selection never mentions it.
    assert.deepEqual(result.named, ['clamp', 'value', 'low', 'high', 'Math', 'min', 'max', 'validateRange', 'RangeError', 'raise_error']);
    assert.deepEqual(result.grounded, ['clamp', 'value', 'low', 'high', 'Math', 'min', 'max']);
    assert.equal(result.score, 7 / 10);
  });

  it('finds names in prose only when they look like code', () => {
    assert.deepEqual(
      namedIdentifiers('The parseHeader helper reads max_len, _cache and $el, then self.radius and area() before HttpServer starts.'),
      ['parseHeader', 'max_len', '_cache', '$el', 'radius', 'area', 'HttpServer'],
    );
  });

  it('ignores keywords, type names, abbreviations, file names, emphasis, plurals and fenced examples', () => {
    const explanation = [
      'It `return`s `None` when the `int` is `null`, e.g. for empty input, i.e. nothing to do.',
      'See config.json and Node.js; this is _important_ for JavaScript and TypeScript users.',
      'The value(s) are checked.',
      '```python\nexample_call(made_up_name)\n```',
    ].join('\n\n');
    assert.deepEqual(namedIdentifiers(explanation), []);
  });

  it('counts each name once and matches whole, case-sensitive tokens', () => {
    const result = groundingScore('`total` and `total` again; `Total` and `tot` differ.', 'let total = 0;');
    assert.deepEqual(result.named, ['total', 'Total', 'tot']);
    assert.deepEqual(result.grounded, ['total']);
    assert.equal(result.score, 1 / 3);
  });

  it('treats an unclosed fence while streaming as code to skip', () => {
    assert.deepEqual(namedIdentifiers('Uses `clamp`.\n```ts\nconst madeUp = other_thing('), ['clamp']);
  });
});
