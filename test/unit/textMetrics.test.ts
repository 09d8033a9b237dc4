import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bleuTokens,
  corpusBleu4,
  editSimilarity,
  exactMatch,
  lcsLength,
  rougeL,
  rougeTokens,
  sentenceBleu4,
} from '../../server/src/metrics/textMetrics';

const close = (actual: number, expected: number, digits = 6) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} is not ${expected}`);

describe('exactMatch', () => {
  it('ignores indentation and whitespace runs but not content', () => {
    assert.equal(exactMatch('  return  a + b\n', 'return a + b'), true);
    assert.equal(exactMatch('return a + b', 'return a - b'), false);
    assert.equal(exactMatch('', '   '), true);
  });
});

describe('editSimilarity (fuzz.ratio / 100)', () => {
  it('is 1 for equal strings and 0 with nothing in common', () => {
    assert.equal(editSimilarity('x = 1', 'x = 1'), 1);
    assert.equal(editSimilarity('abc', 'xyz'), 0);
    assert.equal(editSimilarity('', 'abc'), 0);
    assert.equal(editSimilarity('', ''), 1);
  });
  it('matches python-Levenshtein ratio on a known pair', () => {
    // Levenshtein.ratio('kitten', 'sitting') == 0.6153846153846154 (LCS "ittn": 2*4/13)
    close(editSimilarity('kitten', 'sitting'), 8 / 13);
  });
  it('counts code points, not UTF-16 units', () => {
    close(editSimilarity('a😀', 'a'), 2 / 3);
  });
});

describe('lcsLength', () => {
  it('finds the longest common subsequence', () => {
    assert.equal(lcsLength([...'ABCBDAB'], [...'BDCABA']), 4);
    assert.equal(lcsLength([], [...'abc']), 0);
  });
});

describe('sentenceBleu4 (CodeXGLUE smoothed)', () => {
  it('tokenizes like splitPuncts on lower-cased text', () => {
    assert.deepEqual(bleuTokens('Returns x.y, FAST!'), ['returns', 'x', '.', 'y', ',', 'fast', '!']);
  });
  it('is 1 for an identical sentence', () => {
    close(sentenceBleu4('Return the sum of two numbers.', 'Return the sum of two numbers.'), 1);
  });
  it('applies add-one smoothing above unigrams and the +1 brevity penalty', () => {
    // every n-gram of the 3-token guess matches; only the brevity penalty 1 - 7/4 remains
    close(sentenceBleu4('the cat sat', 'the cat sat on the mat'), Math.exp(-0.75));
  });
  it('is ~0 without a single shared word', () => {
    assert.ok(sentenceBleu4('foo', 'bar') < 1e-10);
  });
  it('averages sentences on a 0..100 scale', () => {
    const pairs = [
      { prediction: 'a b c d', reference: 'a b c d' },
      { prediction: 'x', reference: 'y' },
    ];
    close(corpusBleu4(pairs), 50, 4);
    assert.equal(corpusBleu4([]), 0);
  });
});

describe('rougeL', () => {
  it('is the LCS F1 over lower-cased alphanumeric tokens', () => {
    assert.deepEqual(rougeTokens('Parse the URL, fast!'), ['parse', 'the', 'url', 'fast']);
    close(rougeL('the cat sat', 'The cat sat on the mat.'), 2 / 3);
    assert.equal(rougeL('', 'anything'), 0);
    assert.equal(rougeL('same words', 'Same words'), 1);
  });
});
