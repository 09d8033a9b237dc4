/**
 * Seeded sampling for sampled candidates: the local backend's draw (seededSampling.ts) and the
 * `seed` an offload request carries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '@huggingface/transformers';
import type { GenerateRequest } from '../../server/src/backends/backend';
import { drawToken, SeededSamplingLogitsProcessor } from '../../server/src/backends/local/seededSampling';
import { seededRandom } from '../../server/src/seededRandom';
import { requestParams } from '../../server/src/backends/offload/requestParams';

function draws(seed: number, scores: number[], count: number, temperature = 0.8): number[] {
  const processor = new SeededSamplingLogitsProcessor(temperature, seed);
  return Array.from({ length: count }, () => {
    const logits = new Tensor('float32', Float32Array.from(scores), [1, scores.length]);
    processor._call([[0n]], logits);
    const row = Array.from(logits.data as Float32Array);
    const kept = row.flatMap((value, id) => (Number.isFinite(value) ? [id] : []));
    assert.equal(kept.length, 1, 'exactly one token left for greedy to pick');
    return kept[0] as number;
  });
}

describe('seeded sampling (local backend)', () => {
  it('the same seed draws the same tokens; another seed draws others', () => {
    const scores = [2, 1.9, 1.8, 1.7, 1.6, -Infinity];
    assert.deepEqual(draws(7, scores, 20), draws(7, scores, 20));
    assert.notDeepEqual(draws(7, scores, 20), draws(8, scores, 20));
  });

  it('never draws a masked token, and draws in proportion to the probabilities', () => {
    // Token 1 is e^2 ≈ 7.4 times as likely as token 0 at temperature 1; token 2 is masked.
    const picked = draws(1, [0, 2, -Infinity], 2000, 1);
    assert.ok(!picked.includes(2));
    const ones = picked.filter((id) => id === 1).length;
    assert.ok(ones > 1650 && ones < 1880, `token 1 drawn ${String(ones)} of 2000 times (expected about 1762)`);
  });

  it('draws among the top k only, highest first along the uniform number', () => {
    const scores = Float32Array.from([0, 5, 4, 3]);
    assert.equal(drawToken(scores, 1, 2, 0), 1);
    assert.equal(drawToken(scores, 1, 2, 0.999), 2, 'token 3 is outside the top 2');
    assert.equal(drawToken(Float32Array.from([-Infinity, 1]), 1, 50, 0.5), 1);
  });

  it('seededRandom (mulberry32) gives uniform numbers in [0, 1)', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 1000 }, random);
    assert.ok(values.every((value) => value >= 0 && value < 1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${String(mean)}`);
  });
});

describe('seed on offload requests', () => {
  const request: GenerateRequest = { task: 'completion', prompt: 'def f(', maxTokens: 8, temperature: 0.8, seed: 3, stop: [] };
  const context = { model: 'm', serverKind: 'vllm', fimTemplate: 'starcoder' } as const;

  it('is sent as `seed` on /v1/completions and llama.cpp /infill, and left out when unset', () => {
    assert.equal(requestParams(request, { ...context, kind: 'completion' }).seed, 3);
    assert.equal(requestParams(request, { ...context, kind: 'infill' }).seed, 3);
    const { seed: _seed, ...unseeded } = request;
    assert.equal('seed' in requestParams(unseeded, { ...context, kind: 'completion' }), false);
  });
});
