import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLatencyChart, niceCeiling } from '../../../extension/src/latencyChart';
import { requestRow } from './snapshotFixtures';

const SIZE = { width: 300, height: 124 };
// Plot area for SIZE with the chart's margins: x 56..288, y 12..100.

describe('niceCeiling', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceCeiling(0), 10);
    assert.equal(niceCeiling(7), 10);
    assert.equal(niceCeiling(11), 20);
    assert.equal(niceCeiling(180), 200);
    assert.equal(niceCeiling(200), 200);
    assert.equal(niceCeiling(201), 500);
    assert.equal(niceCeiling(501), 1000);
    assert.equal(niceCeiling(Number.NaN), 10);
  });
});

describe('buildLatencyChart', () => {
  it('is empty without measured requests', () => {
    const chart = buildLatencyChart([requestRow({ e2eMs: null }), requestRow({ backend: null })], SIZE);
    assert.equal(chart.requestCount, 0);
    assert.deepEqual(chart.series, []);
    assert.equal(chart.yTicks.length, 5);
  });

  it('places requests in time order, one series per backend, scaled to a round maximum', () => {
    const rows = [
      requestRow({ ts: 3, backend: 'local', e2eMs: 50, ttftMs: 25 }),
      requestRow({ ts: 1, backend: 'local', e2eMs: 100, ttftMs: null }),
      requestRow({ ts: 2, backend: 'offload', task: 'explain', e2eMs: 180, ttftMs: 90 }),
    ];
    const chart = buildLatencyChart(rows, SIZE);
    assert.equal(chart.requestCount, 3);
    assert.deepEqual(chart.plot, { left: 56, top: 12, right: 288, bottom: 100 });
    assert.deepEqual(chart.yTicks.map((tick) => tick.label), ['0 ms', '50 ms', '100 ms', '150 ms', '200 ms']);
    assert.deepEqual(chart.yTicks.map((tick) => tick.at), [100, 78, 56, 34, 12]);

    const [local, offload] = chart.series;
    assert.equal(local?.backend, 'local');
    assert.equal(offload?.backend, 'offload');
    // ts 1 is first (x = left), ts 3 last (x = right); 100 ms of 200 is half height.
    assert.deepEqual(local?.e2e.map(({ x, y }) => [x, y]), [[56, 56], [288, 78]]);
    assert.equal(local?.line, '56,56 288,78');
    assert.deepEqual(local?.ttft.map(({ x, y }) => [x, y]), [[288, 89]]);
    assert.deepEqual(offload?.e2e.map(({ x, y }) => [x, y]), [[172, 20.8]]);
    assert.equal(offload?.e2e[0]?.label, 'offload explain: E2E 180 ms');
    assert.equal(offload?.ttft[0]?.label, 'offload explain: TTFT 90 ms');
  });

  it('centres a single request', () => {
    const chart = buildLatencyChart([requestRow({ e2eMs: 5 })], SIZE);
    assert.equal(chart.series[0]?.e2e[0]?.x, 172);
  });
});
