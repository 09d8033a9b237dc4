/**
 * The benchmark runner's statistics against reference values computed by hand or with numpy
 * (np.percentile's default linear method, np.std(ddof=1), the OLS slope standard error), the
 * bootstrap interval against the normal-theory interval on known data, and --compare's verdicts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapCi, describe as describeValues, goodput, linearFit, mean, std, STATISTICS } from '../../server/src/bench/runner/stats';
import { compareOne, DEFAULT_COMPARE } from '../../server/src/bench/runner/compare';
import { checkSchema } from '../../server/src/bench/runner/schemaCheck';
import { seededRandom } from '../../server/src/seededRandom';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('bench statistics', () => {
  it('summarizes with numpy percentiles and the sample standard deviation', () => {
    const d = describeValues([10, 1, 9, 2, 8, 3, 7, 4, 6, 5, Number.NaN]);
    assert.equal(d.count, 10);
    close(d.p50, 5.5); // np.percentile(range(1, 11), 50)
    close(d.p90, 9.1);
    close(d.p95, 9.55);
    close(d.p99, 9.91);
    close(d.mean, 5.5);
    close(d.min, 1);
    close(d.max, 10);
    close(d.std, 3.0276503540974917); // np.std(range(1, 11), ddof=1)
    close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
    assert.equal(std([42]), 0);
    assert.ok(Number.isNaN(mean([])));
  });

  it('counts goodput: successful requests within both SLOs, per second of the run', () => {
    const samples = [
      { ok: true, ttftMs: 100, e2eMs: 1000 },
      { ok: true, ttftMs: 300, e2eMs: 2000 }, // on the limits: good
      { ok: true, ttftMs: 301, e2eMs: 500 }, // TTFT too slow
      { ok: true, ttftMs: 50, e2eMs: 2001 }, // E2E too slow
      { ok: false, ttftMs: 10, e2eMs: 10 }, // failed
    ];
    const result = goodput(samples, { ttftMs: 300, e2eMs: 2000 }, 4);
    assert.deepEqual(result, { goodRequests: 2, fraction: 0.4, requestsPerSecond: 0.5 });
    assert.deepEqual(goodput([], { ttftMs: 1, e2eMs: 1 }, 0), { goodRequests: 0, fraction: 0, requestsPerSecond: 0 });
  });

  it('fits a least-squares line with the slope standard error', () => {
    // By hand: slope 0.6, intercept 2.2, SSE 2.4, s² = 0.8, Sxx = 10, s.e. = sqrt(0.08).
    const fit = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    close(fit.slope, 0.6);
    close(fit.intercept, 2.2);
    close(fit.slopeStdError, Math.sqrt(0.08));
    // A perfect line has no error; a leak of 12 MB/hour sampled every 5 minutes reads back exactly.
    const hours = Array.from({ length: 13 }, (_, i) => i / 12);
    const leak = linearFit(
      hours,
      hours.map((h) => 300 + 12 * h),
    );
    close(leak.slope, 12, 1e-9);
    close(leak.slopeStdError, 0, 1e-9);
    assert.ok(Number.isNaN(linearFit([1, 1], [1, 2]).slope));
    assert.ok(Number.isNaN(linearFit([1, 2], [1, 2]).slopeStdError));
  });

  it('bootstraps a seeded interval that matches normal theory on known data', () => {
    const random = seededRandom(99);
    // 400 draws of a normal(100, 15) (Box-Muller): the mean's 95 % interval is about ± 1.96 · s / √n.
    const values = Array.from({ length: 400 }, () => 100 + 15 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    const ci = bootstrapCi(values, STATISTICS.mean, { seed: 5, resamples: 2000 });
    const half = (1.96 * std(values)) / Math.sqrt(values.length);
    close(ci.estimate, mean(values));
    assert.ok(ci.low < ci.estimate && ci.estimate < ci.high);
    close((ci.high - ci.low) / 2, half, half * 0.1);
    assert.deepEqual(bootstrapCi(values, STATISTICS.mean, { seed: 5, resamples: 2000 }), ci, 'same seed, same interval');
    const constant = bootstrapCi([7, 7, 7, 7], STATISTICS.p50, { seed: 1, resamples: 100 });
    assert.deepEqual([constant.low, constant.estimate, constant.high], [7, 7, 7]);
    assert.ok(Number.isNaN(bootstrapCi([], STATISTICS.p50).estimate));
  });
});

describe('bench --compare verdicts', () => {
  const noisy = (center: number, seed: number) => {
    const random = seededRandom(seed);
    return Array.from({ length: 40 }, () => center * (0.9 + 0.2 * random()));
  };

  it('flags a large shift whose intervals do not overlap, in the right direction', () => {
    const slower = compareOne('local', 'L128x64', 'ttftMs', noisy(100, 1), noisy(150, 2), DEFAULT_COMPARE);
    assert.equal(slower.verdict, 'regression');
    assert.ok(slower.b.low > slower.a.high);
    const faster = compareOne('local', 'L128x64', 'ttftMs', noisy(150, 3), noisy(100, 4), DEFAULT_COMPARE);
    assert.equal(faster.verdict, 'improvement');
  });

  it('does not flag noise, nor a certain shift below the threshold', () => {
    assert.equal(compareOne('local', 'C1', 'e2eMs', noisy(100, 5), noisy(100, 6), DEFAULT_COMPARE).verdict, 'unchanged');
    // Two wildly spread samples with different medians: the intervals overlap.
    const wide = compareOne('local', 'C1', 'e2eMs', [10, 200, 30, 180, 50, 150], [20, 210, 40, 190, 70, 160], DEFAULT_COMPARE);
    assert.equal(wide.verdict, 'unchanged');
    const tight = compareOne('local', 'C1', 'e2eMs', Array(30).fill(100), Array(30).fill(102), DEFAULT_COMPARE);
    assert.equal(tight.verdict, 'unchanged', '2 % is under the 5 % threshold');
    assert.equal(
      compareOne('local', 'C1', 'e2eMs', Array(30).fill(100), Array(30).fill(102), { ...DEFAULT_COMPARE, thresholdPct: 1 }).verdict,
      'regression',
    );
  });
});

describe('bench report schema checker', () => {
  const schema = {
    type: 'object',
    required: ['a', 'b'],
    additionalProperties: false,
    properties: {
      a: { $ref: '#/$defs/n' },
      b: { type: 'array', items: { enum: ['x', 'y'] } },
      c: { oneOf: [{ type: 'null' }, { type: 'integer', minimum: 0 }] },
    },
    $defs: { n: { type: ['number', 'null'] } },
  };

  it('accepts a matching value and names every problem of a wrong one', () => {
    assert.deepEqual(checkSchema({ a: null, b: ['x'], c: 3 }, schema), []);
    const problems = checkSchema({ a: 'no', b: ['z'], c: -1, d: 1 }, schema);
    assert.deepEqual(
      problems.sort(),
      [
        '$.a: expected number or null, got string',
        '$.b[0]: "z" is not one of ["x","y"]',
        '$.c: matches 0 of the oneOf options, not exactly 1',
        '$: unexpected "d"',
      ].sort(),
    );
    assert.deepEqual(checkSchema({ b: [] }, schema), ['$: missing "a"']);
  });
});
