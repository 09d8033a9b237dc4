/**
 * metrics/definitions.ts, the one definition of per-request timing (vLLM's benchmark
 * definitions), against values computed by hand in the comments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTiming, summarizeGaps } from '../../server/src/metrics/definitions';

describe('requestTiming', () => {
  it('TPOT, decode and prompt speed of an ordinary streamed answer', () => {
    // 11 output tokens: 10 after the first, over E2E − TTFT = 700 − 200 = 500 ms.
    const timing = requestTiming({ ttftMs: 200, e2eMs: 700, promptTokens: 400, outputTokens: 11, gapsMs: [] });
    assert.equal(timing.tpotMs, 50); // 500 / 10
    assert.equal(timing.decodeTokensPerSecond, 20); // 10 / 0.5 s
    assert.equal(timing.promptTokensPerSecond, 2000); // 400 / 0.2 s
    assert.equal(timing.itl, undefined, 'no gaps given: no ITL summary');
  });

  it('TPOT is undefined with one output token (nothing after the first)', () => {
    const timing = requestTiming({ ttftMs: 120, e2eMs: 120, promptTokens: 30, outputTokens: 1, gapsMs: [] });
    assert.equal(timing.tpotMs, undefined);
    assert.equal(timing.decodeTokensPerSecond, undefined);
    assert.equal(timing.promptTokensPerSecond, 250); // 30 / 0.12 s
  });

  it('two output tokens: one interval, the whole decode time', () => {
    const timing = requestTiming({ ttftMs: 100, e2eMs: 135, promptTokens: 10, outputTokens: 2, gapsMs: [35] });
    assert.equal(timing.tpotMs, 35); // (135 − 100) / 1
    assert.ok(Math.abs((timing.decodeTokensPerSecond ?? 0) - 1000 / 35) < 1e-9); // 1 / 0.035 s
    assert.deepEqual(timing.itl, { count: 1, meanMs: 35, p50Ms: 35, p95Ms: 35, maxMs: 35 });
  });

  it('zero decode time (every token in one chunk) gives no TPOT rather than 0 or Infinity', () => {
    const timing = requestTiming({ ttftMs: 80, e2eMs: 80, promptTokens: 12, outputTokens: 5, gapsMs: [] });
    assert.equal(timing.tpotMs, undefined);
    assert.equal(timing.decodeTokensPerSecond, undefined);
    assert.equal(timing.promptTokensPerSecond, 150); // 12 / 0.08 s
  });

  it('unknown token counts leave the speeds out', () => {
    const timing = requestTiming({ ttftMs: 50, e2eMs: 250, promptTokens: null, outputTokens: null, gapsMs: [100, 100] });
    assert.equal(timing.tpotMs, undefined);
    assert.equal(timing.decodeTokensPerSecond, undefined);
    assert.equal(timing.promptTokensPerSecond, undefined);
    assert.equal(timing.itl?.meanMs, 100, 'ITL needs no token count');
  });

  it('prompt speed needs a positive TTFT', () => {
    const timing = requestTiming({ ttftMs: 0, e2eMs: 90, promptTokens: 64, outputTokens: 4, gapsMs: [] });
    assert.equal(timing.promptTokensPerSecond, undefined);
    assert.equal(timing.tpotMs, 30); // (90 − 0) / 3
  });

  it('the decode definitions are each other’s reciprocal: decode tokens/s = 1000 / TPOT', () => {
    const timing = requestTiming({ ttftMs: 333, e2eMs: 1234, promptTokens: 7, outputTokens: 17, gapsMs: [] });
    // (1234 − 333) / 16 = 56.3125 ms; 16 / 0.901 s = 17.7580…
    assert.equal(timing.tpotMs, 56.3125);
    assert.ok(Math.abs((timing.decodeTokensPerSecond ?? 0) - 16 / 0.901) < 1e-9);
    assert.ok(Math.abs((timing.decodeTokensPerSecond ?? 0) * (timing.tpotMs ?? 0) - 1000) < 1e-9);
  });
});

describe('summarizeGaps', () => {
  it('is undefined without gaps (a one-chunk answer)', () => {
    assert.equal(summarizeGaps([]), undefined);
  });

  it('skips NaN, infinite and negative gaps; undefined when nothing is left', () => {
    assert.equal(summarizeGaps([Number.NaN, -3, Number.POSITIVE_INFINITY]), undefined);
    // Left: 10, 0, 30 → sorted 0, 10, 30.
    const summary = summarizeGaps([10, Number.NaN, -5, 0, Number.NEGATIVE_INFINITY, 30]);
    assert.deepEqual(summary, { count: 3, meanMs: 40 / 3, p50Ms: 10, p95Ms: 28, maxMs: 30 });
    // p95: rank 0.95 × 2 = 1.9 → 10 + 0.9 × (30 − 10) = 28.
  });

  it('p50 and p95 interpolate between closest ranks (numpy / vLLM)', () => {
    // Sorted 10, 20, 30, 40 (given out of order). p50: rank 1.5 → 25; p95: rank 2.85 → 30 + 0.85 × 10 = 38.5.
    assert.deepEqual(summarizeGaps([40, 10, 30, 20]), { count: 4, meanMs: 25, p50Ms: 25, p95Ms: 38.5, maxMs: 40 });
  });

  it('one slow gap shows in p95 and max, not in p50', () => {
    // 19 gaps of 40 ms and one of 400 ms: p50 rank 9.5 → 40; p95 rank 18.05 → 40 + 0.05 × 360 = 58.
    const gaps = [...Array.from({ length: 19 }, () => 40), 400];
    const summary = summarizeGaps(gaps);
    assert.equal(summary?.count, 20);
    assert.equal(summary?.meanMs, 58); // (19 × 40 + 400) / 20
    assert.equal(summary?.p50Ms, 40);
    assert.ok(Math.abs((summary?.p95Ms ?? 0) - 58) < 1e-9);
    assert.equal(summary?.maxMs, 400);
  });
});
