import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '@huggingface/transformers';
import {
  ContextCacheLogitsProcessor,
  DEFAULT_CONTEXT_CACHE,
  longestContextMatch,
  mixContextCache,
} from '../../server/src/backends/local/contextCache';

const softmax = (logits: Float32Array) => {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
};

test('longestContextMatch finds the longest earlier occurrence of the suffix and what followed it', () => {
  // ... 1 2 3 [4] ... 9 2 3 [5] ... 1 2 3 → the 3-token suffix matched once, followed by 4
  const match = longestContextMatch([1, 2, 3, 4, 9, 2, 3, 5, 7, 1, 2, 3], 8);
  assert.equal(match.length, 3);
  assert.deepEqual([...match.next], [[4, 1]]);
});

test('longestContextMatch counts every occurrence of the longest match', () => {
  const match = longestContextMatch([2, 3, 4, 8, 2, 3, 5, 6, 2, 3], 8);
  assert.equal(match.length, 2);
  assert.deepEqual([...match.next].sort(), [
    [4, 1],
    [5, 1],
  ]);
});

test('longestContextMatch reports no match for fresh tokens, and respects maxMatch', () => {
  assert.equal(longestContextMatch([1, 2, 3, 4], 8).length, 0);
  assert.equal(longestContextMatch([], 8).length, 0);
  assert.equal(longestContextMatch([7], 8).length, 0);
  assert.equal(longestContextMatch([1, 2, 3, 4, 1, 2, 3], 2).length, 2);
});

test('mixContextCache interpolates probabilities with a weight that grows with the match', () => {
  const logits = new Float32Array([0, 0, 0, 0, 0, 0]); // uniform model
  const before = softmax(logits);
  const lambda = mixContextCache(logits, [1, 2, 3, 4, 0, 1, 2, 3], DEFAULT_CONTEXT_CACHE);
  assert.ok(Math.abs(lambda - 0.3) < 1e-9, `λ for a 3-token match, got ${lambda}`);
  const after = softmax(logits);
  assert.ok(Math.abs(after.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  // token 4 followed "1 2 3": (1 - λ)/6 + λ
  assert.ok(Math.abs((after[4] as number) - (0.7 * (before[4] as number) + 0.3)) < 1e-6);
  assert.ok(Math.abs((after[5] as number) - 0.7 * (before[5] as number)) < 1e-6);
});

test('mixContextCache leaves the distribution alone without a match, and never revives banned tokens', () => {
  const untouched = new Float32Array([1, 2, 3]);
  assert.equal(mixContextCache(untouched, [0, 1, 2], DEFAULT_CONTEXT_CACHE), 0);
  assert.deepEqual([...untouched], [1, 2, 3]);

  // the only continuation seen is token 2, which the model may not emit (banned: −∞)
  const banned = new Float32Array([0, 0, -Infinity, 0]);
  assert.equal(mixContextCache(banned, [1, 2, 0, 1], DEFAULT_CONTEXT_CACHE), 0);
  assert.equal(banned[2], -Infinity);
});

test('ContextCacheLogitsProcessor edits each row of a transformers.js logits tensor in place', () => {
  const logits = new Tensor('float32', new Float32Array([0, 0, 0, 0, 5, 0, 0, 0]), [2, 4]);
  const processor = new ContextCacheLogitsProcessor({ weightPerToken: 0.5, maxWeight: 0.9, maxMatch: 4 });
  // row 0: "1 3 1" → "1" was followed by 3; row 1: no repeat
  const out = processor._call(
    [
      [1n, 3n, 1n],
      [0n, 1n, 2n],
    ],
    logits,
  );
  const data = out.data as Float32Array;
  const row0 = softmax(data.slice(0, 4));
  assert.ok((row0[3] as number) > 0.5, `token 3 boosted, got ${row0[3]}`);
  assert.deepEqual([...data.slice(4)], [5, 0, 0, 0]);
});
