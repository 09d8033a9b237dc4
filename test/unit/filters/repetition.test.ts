import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removeRepetition } from '../../../server/src/completion/filters/repetition';
import { contextAt } from './filterContext';

const multi = (marked: string) => contextAt(marked, { multiline: true, languageId: 'python' });

describe('repetition filter', () => {
  it('cuts a line repeated three times back to its first occurrence', () => {
    const text = 'total += 1\n    total += 1\n    total += 1\n    total += 1';
    assert.equal(removeRepetition(text, multi('for x in xs:\n    |')), 'total += 1');
  });

  it('allows one line twice and repeated closers', () => {
    const twice = 'items.append(1)\nitems.append(1)';
    assert.equal(removeRepetition(twice, multi('def f():\n    |')), twice);
    const closers = 'a()\n      }\n    }\n  }';
    assert.equal(removeRepetition(closers, multi('{|')), closers);
  });

  it('cuts a repeated block of lines', () => {
    const text = 'x = 1\n    y = 2\n    x = 1\n    y = 2\n    x = 1';
    assert.equal(removeRepetition(text, multi('def f():\n    |')), 'x = 1\n    y = 2');
  });

  it('cuts a token looping to the end of a line', () => {
    assert.equal(removeRepetition('foo(bar(bar(bar(bar(bar(bar(bar(bar(bar(', contextAt('x = |')), 'foo(bar(');
    assert.equal(removeRepetition('abababababababababababababab', contextAt('s = "|')), 'ab');
  });

  it('keeps separator lines and short repeats', () => {
    assert.equal(
      removeRepetition('# ==========================================', contextAt('|')),
      '# ==========================================',
    );
    assert.equal(removeRepetition('0x00000000', contextAt('mask = |')), '0x00000000');
  });

  it('drops a completion that only retypes the lines above the cursor', () => {
    assert.equal(removeRepetition('result = compute(a, b)', contextAt('result = compute(a, b)\n|')), '');
    assert.equal(removeRepetition('compute(a, b)', contextAt('result = compute(a, b)\nresult = |')), '');
    const block = 'a = load()\nb = parse(a)';
    assert.equal(removeRepetition(block, multi('a = load()\nb = parse(a)\n|')), '');
    assert.equal(removeRepetition('b = parse(a)', contextAt('a = load()\n|')), 'b = parse(a)');
  });
});
