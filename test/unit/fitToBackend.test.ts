import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitToBackend } from '../../server/src/completion/request';

describe('fitToBackend', () => {
  it('leaves a context that fits untouched, or when the backend sets no budget', () => {
    const context = { prefix: 'a\nb\n', suffix: '\nc' };
    assert.deepEqual(fitToBackend(context, 100), context);
    assert.deepEqual(fitToBackend(context, undefined), context);
  });

  it('keeps the end of the prefix and the start of the suffix, cut at line boundaries', () => {
    const prefix = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\ncurs';
    const suffix = 'or\n' + Array.from({ length: 20 }, (_, i) => `after ${i}`).join('\n');
    const fitted = fitToBackend({ prefix, suffix }, 80);
    assert.ok(fitted.prefix.length + fitted.suffix.length <= 80);
    assert.ok(fitted.prefix.endsWith('\ncurs') && prefix.endsWith(fitted.prefix));
    assert.match(fitted.prefix, /^line \d+\n/, 'starts at a whole line');
    assert.ok(fitted.suffix.startsWith('or\n') && suffix.startsWith(fitted.suffix));
    assert.ok(fitted.suffix.length <= 20, 'the suffix gets a quarter at most');
  });

  it('keeps at least the tail of the cursor line when one line exceeds the budget', () => {
    const fitted = fitToBackend({ prefix: 'x'.repeat(100), suffix: '' }, 30);
    assert.equal(fitted.prefix, 'x'.repeat(30));
  });
});
