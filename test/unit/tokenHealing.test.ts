import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healPrompt, maskDisagreeing, withoutHealedText } from '../../server/src/backends/local/tokenHealing';

const VOCAB = ['<fim_middle>', '\n', '\n    ', '    ', 'return', ' x', '\n\n', 'ret', '\uFFFD'];
const text = (id: number) => VOCAB[id] ?? '';

describe('token healing', () => {
  it('backs the prompt up by its last ordinary token', () => {
    assert.deepEqual(healPrompt([4, 5, 1], new Set([0]), text), { ids: [4, 5], text: '\n' });
  });

  it('never heals a special token, a one-token prompt or part of a multi-byte character', () => {
    assert.equal(healPrompt([4, 0], new Set([0]), text), undefined);
    assert.equal(healPrompt([1], new Set([0]), text), undefined);
    assert.equal(healPrompt([4, 8], new Set([0]), text), undefined);
  });

  it('allows only tokens that start with the healed text or spell a prefix of it', () => {
    const scores = new Float32Array(VOCAB.length).fill(1);
    maskDisagreeing(scores, '\n', VOCAB);
    assert.deepEqual(
      [...scores].map((s) => s === 1),
      [false, true, true, false, false, false, true, false, false],
    );
    const partial = new Float32Array(VOCAB.length).fill(1);
    maskDisagreeing(partial, 'return', VOCAB);
    assert.deepEqual(
      [...partial].map((s) => s === 1),
      [false, false, false, false, true, false, false, true, false],
    );
  });

  it('cuts the healed text off the output, and shows nothing while it is still being spelled', () => {
    assert.equal(withoutHealedText('\n    return x', '\n'), '    return x');
    assert.equal(withoutHealedText('re', 'return'), '');
    assert.equal(withoutHealedText('other', '\n'), 'other');
  });
});
