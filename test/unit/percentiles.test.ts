import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile, summarize } from '../../server/src/metrics/percentiles';

describe('percentile', () => {
  it('interpolates linearly between closest ranks, like numpy.percentile', () => {
    const sorted = [15, 20, 35, 40, 50];
    // numpy.percentile([15, 20, 35, 40, 50], [0, 40, 50, 90, 100]) = [15, 29, 35, 46, 50]
    assert.equal(percentile(sorted, 0), 15);
    assert.ok(Math.abs(percentile(sorted, 0.4) - 29) < 1e-9);
    assert.equal(percentile(sorted, 0.5), 35);
    assert.ok(Math.abs(percentile(sorted, 0.9) - 46) < 1e-9);
    assert.equal(percentile(sorted, 1), 50);
  });

  it('refuses an empty list and a p outside [0, 1]', () => {
    assert.throws(() => percentile([], 0.5), RangeError);
    assert.throws(() => percentile([1], 1.5), RangeError);
    assert.throws(() => percentile([1], Number.NaN), RangeError);
  });
});

describe('summarize', () => {
  it('gives zeros with count 0 for no values', () => {
    assert.deepEqual(summarize([]), {
      count: 0,
      mean: 0,
      min: 0,
      max: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
    });
  });

  it('summarizes unsorted values', () => {
    const summary = summarize([5, 1, 4, 2, 3]);
    assert.equal(summary.count, 5);
    assert.equal(summary.mean, 3);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 5);
    assert.equal(summary.p50, 3);
    assert.ok(Math.abs(summary.p90 - 4.6) < 1e-9);
    assert.ok(Math.abs(summary.p95 - 4.8) < 1e-9);
    assert.ok(Math.abs(summary.p99 - 4.96) < 1e-9);
  });

  it('makes every statistic equal for a single value', () => {
    const summary = summarize([42]);
    assert.deepEqual([summary.count, summary.mean, summary.min, summary.max, summary.p50, summary.p99], [1, 42, 42, 42, 42, 42]);
  });

  it('skips NaN and infinities instead of poisoning the mean', () => {
    const summary = summarize([10, Number.NaN, 20, Infinity, -Infinity]);
    assert.equal(summary.count, 2);
    assert.equal(summary.mean, 15);
    assert.equal(summary.max, 20);
  });

  it('keeps the tail visible: p99 of 1..100 is 99.01', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const summary = summarize(values);
    assert.ok(Math.abs(summary.p99 - 99.01) < 1e-9);
    assert.ok(Math.abs(summary.p50 - 50.5) < 1e-9);
  });
});
