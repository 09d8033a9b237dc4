import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideMultiline, type MultilineInput } from '../../server/src/completion/multiline';

function at(prefix: string, lineSuffix = ''): MultilineInput {
  const lineStart = prefix.lastIndexOf('\n') + 1;
  return { prefix, linePrefix: prefix.slice(lineStart), lineSuffix };
}

describe('decideMultiline (auto)', () => {
  it('is multi-line at the end of a line that opens a block', () => {
    assert.equal(decideMultiline(at('def f(x):'), 'auto'), true);
    assert.equal(decideMultiline(at('function f() {'), 'auto'), true);
    assert.equal(decideMultiline(at('const f = () =>  '), 'auto'), true);
  });

  it('is multi-line on a blank line right after a block opener', () => {
    assert.equal(decideMultiline(at('if (ok) {\n    '), 'auto'), true);
    assert.equal(decideMultiline(at('class A:\n\n    '), 'auto'), true);
  });

  it('allows auto-closed brackets after the cursor', () => {
    assert.equal(decideMultiline(at('function f() {', '}'), 'auto'), true);
  });

  it('is single-line mid-line, after a plain statement, or when code follows the cursor', () => {
    assert.equal(decideMultiline(at('x = compute('), 'auto'), true);
    assert.equal(decideMultiline(at('x = comp'), 'auto'), false);
    assert.equal(decideMultiline(at('x = 1\n'), 'auto'), false);
    assert.equal(decideMultiline(at('if ok:', ' pass'), 'auto'), false);
    assert.equal(decideMultiline(at(''), 'auto'), false);
  });
});

describe('decideMultiline overrides', () => {
  it("'always' and 'never' win over the context", () => {
    assert.equal(decideMultiline(at('x = comp'), 'always'), true);
    assert.equal(decideMultiline(at('def f(x):'), 'never'), false);
  });
});
