import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removeSuffixEcho } from '../../../server/src/completion/filters/echoSuffix';
import { contextAt } from './filterContext';

describe('suffix echo filter', () => {
  it('drops a retyped auto-closed bracket', () => {
    assert.equal(removeSuffixEcho('a, b)', contextAt('foo(|)')), 'a, b');
    assert.equal(removeSuffixEcho('"hello")', contextAt('print(|)', { languageId: 'python' })), '"hello"');
  });

  it('keeps a closer that belongs to the completion itself', () => {
    // A FIM model that saw `print(|)` and wrote `f()` meant `print(f())`.
    assert.equal(removeSuffixEcho('f()', contextAt('print(|)', { languageId: 'python' })), 'f()');
  });

  it('drops a retyped closing quote when that closes the string', () => {
    assert.equal(removeSuffixEcho('hello"', contextAt('s = "|"')), 'hello');
    assert.equal(removeSuffixEcho('"hello"', contextAt('s = |"')), '"hello');
  });

  it('drops a retyped plain rest of line', () => {
    assert.equal(removeSuffixEcho('total + 1;', contextAt('x = |;')), 'total + 1');
    // Only whitespace is left; the empty filter drops it.
    assert.equal(removeSuffixEcho(' = 1', contextAt('let x| = 1')).trim(), '');
  });

  it('multi-line: drops the trailing lines that repeat the lines below', () => {
    const ctx = contextAt('def f(x):\n    |\n    return y\n', { multiline: true, languageId: 'python' });
    assert.equal(removeSuffixEcho('y = x * 2\n    return y', ctx), 'y = x * 2');
  });

  it('multi-line: drops a retyped closing brace below, but not one that closes a new block', () => {
    const ctx = contextAt('function f() {\n  |\n}\n', { multiline: true });
    assert.equal(removeSuffixEcho('a();\n}', ctx), 'a();');
    assert.equal(removeSuffixEcho('if (b) {\n    c();\n  }', ctx), 'if (b) {\n    c();\n  }');
  });

  it('multi-line in `{|}`: keeps the line break so the existing brace lands on its own line', () => {
    const ctx = contextAt('function f() {|}', { multiline: true });
    assert.equal(removeSuffixEcho('\n  return 1;\n}', ctx), '\n  return 1;\n');
  });

  it('leaves text alone when nothing follows the cursor', () => {
    assert.equal(removeSuffixEcho('a + b', contextAt('x = |')), 'a + b');
  });
});
