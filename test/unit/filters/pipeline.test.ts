import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPLETION_FILTERS, postProcess } from '../../../server/src/completion/filters';
import { contextAt } from './filterContext';

describe('post-processing pipeline', () => {
  it('runs every filter in the documented order', () => {
    assert.deepEqual(
      COMPLETION_FILTERS.map((f) => f.name),
      ['single-line', 'repetition', 'trailing-whitespace', 'cursor', 'block-scope', 'echo-suffix', 'brackets', 'empty'],
    );
  });

  it('turns a raw single-line answer into what is worth showing', () => {
    // Echoed `)` and `;`, a trailing space, and a second line to drop.
    assert.equal(postProcess('a, b);  \nconsole.log(x);', contextAt('foo(|);')), 'a, b');
  });

  it('drops answers with nothing left', () => {
    assert.equal(postProcess(' = 1', contextAt('let x| = 1')), '');
    assert.equal(postProcess('\n\n', contextAt('x = |')), '');
    assert.equal(postProcess('', contextAt('x = |')), '');
  });

  it('keeps a clean multi-line block and drops its echo of the closing brace', () => {
    const ctx = contextAt('function f(a) {\n  |\n}\n', { multiline: true });
    assert.equal(postProcess('const b = a * 2;\n  return b;\n}\n', ctx), 'const b = a * 2;\n  return b;');
  });

  it('stops at the first empty result', () => {
    let calls = 0;
    const counting = { filter: (t: string) => (calls++, t) };
    assert.equal(postProcess('x', contextAt('|'), [{ filter: () => '' }, counting]), '');
    assert.equal(calls, 0);
  });
});
