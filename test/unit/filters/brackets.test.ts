import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balanceBrackets } from '../../../server/src/completion/filters/brackets';
import { contextAt } from './filterContext';

describe('bracket filter', () => {
  it('keeps completions that close what the context opened', () => {
    assert.equal(balanceBrackets('b, c)', contextAt('foo(a, |')), 'b, c)');
    assert.equal(balanceBrackets('return 1;\n}', contextAt('function f() {\n  |', { multiline: true })), 'return 1;\n}');
  });

  it('drops a completion that closes more than the context opened', () => {
    assert.equal(balanceBrackets('x);', contextAt('const y = |')), '');
    assert.equal(balanceBrackets('a();\n}\n}', contextAt('function f() {\n  |', { multiline: true })), '');
  });

  it('drops a completion that closes the wrong kind of bracket', () => {
    assert.equal(balanceBrackets('a]', contextAt('foo(|')), '');
  });

  it('tolerates closers for brackets opened before a truncated prefix window', () => {
    const ctx = contextAt('  x = 1;\n  |', { multiline: true, prefixTruncated: true });
    assert.equal(balanceBrackets('return x;\n}', ctx), 'return x;\n}');
  });

  it('single-line: trims to the last balanced point when its own brackets stay open', () => {
    assert.equal(balanceBrackets('foo(bar, baz(1)', contextAt('x = |')), 'foo');
    assert.equal(balanceBrackets('a and (b or', contextAt('if |')), 'a and');
  });

  it('single-line: an opener at the end starts a block, and the rest of the line may close', () => {
    assert.equal(balanceBrackets('(x > 0) {', contextAt('if |')), '(x > 0) {');
    assert.equal(balanceBrackets('bar(1', contextAt('foo(|))')), 'bar(1');
  });

  it('multi-line completions may leave their own blocks open', () => {
    assert.equal(balanceBrackets('if (a) {\n  b();', contextAt('|', { multiline: true })), 'if (a) {\n  b();');
  });
});
