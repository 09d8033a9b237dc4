/**
 * The cost model (metrics/cost.ts), every branch against hand-computed figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/src/config';
import { costBasisOf, parseCostBasis, priceRow, withoutCostSettings, type CostBasis } from '../../server/src/metrics/cost';
import { requestRow } from '../support/requestRow';

const basis: CostBasis = {
  offload: { inputPerMillionTokens: 3, outputPerMillionTokens: 15, gpuHourPrice: 0 },
  local: { watts: 10, energyPricePerKwh: 0.25, hardwarePrice: 0, hardwareLifetimeHours: 6000 },
};
const selfHosted: CostBasis = { ...basis, offload: { ...basis.offload, gpuHourPrice: 2.4 } };

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);
}

describe('priceRow', () => {
  it('charges nothing for a request that never reached a backend', () => {
    const cost = priceRow(requestRow({ backend: null, model: null, outcome: 'cancelled' }), basis);
    assert.equal(cost.costUsd, 0);
    assert.deepEqual(parseCostBasis(cost.costBasis), { kind: 'none' });
  });

  it('charges nothing for a cache hit, whichever backend first produced it', () => {
    for (const backend of ['local', 'offload'] as const) {
      const cost = priceRow(requestRow({ backend, cacheTier: 'l1', cpuMs: 500, promptTokens: 1000 }), selfHosted);
      assert.equal(cost.costUsd, 0);
      assert.deepEqual(parseCostBasis(cost.costBasis), { kind: 'cache' });
    }
  });

  it('prices hosted offload tokens per million, input and output apart', () => {
    // 2000 × 3 / 1e6 = 0.006 for the prompt, 100 × 15 / 1e6 = 0.0015 for the completion.
    const cost = priceRow(requestRow({ backend: 'offload', promptTokens: 2000, completionTokens: 100 }), basis);
    close(cost.costUsd, 0.0075);
    assert.deepEqual(parseCostBasis(cost.costBasis), {
      kind: 'offload-tokens',
      inputPerMillionTokens: 3,
      outputPerMillionTokens: 15,
      promptTokens: 2000,
      completionTokens: 100,
    });
  });

  it('prices unknown token counts as zero tokens', () => {
    const cost = priceRow(requestRow({ backend: 'offload', promptTokens: null, completionTokens: null, outcome: 'error' }), basis);
    assert.equal(cost.costUsd, 0);
  });

  it('prices self-hosted offload by the server-reported time when there is one', () => {
    // 2.4 USD/h × (300 + 1200) ms / 3.6e6 ms/h = 0.001; tokens and E2E are ignored.
    const row = requestRow({ backend: 'offload', serverPromptMs: 300, serverDecodeMs: 1200, e2eMs: 5000, promptTokens: 1e6 });
    const cost = priceRow(row, selfHosted);
    close(cost.costUsd, 0.001);
    assert.deepEqual(parseCostBasis(cost.costBasis), { kind: 'offload-gpu-hour', gpuHourPrice: 2.4, serverMs: 1500, time: 'server' });
  });

  it('prices self-hosted offload by E2E when the server reports no timings', () => {
    // 2.4 × 900 / 3.6e6 = 0.0006.
    const cost = priceRow(requestRow({ backend: 'offload', e2eMs: 900 }), selfHosted);
    close(cost.costUsd, 0.0006);
    assert.deepEqual(parseCostBasis(cost.costBasis), { kind: 'offload-gpu-hour', gpuHourPrice: 2.4, serverMs: 900, time: 'e2e' });
    const unmeasured = priceRow(requestRow({ backend: 'offload', e2eMs: null, ttftMs: null }), selfHosted);
    assert.equal(unmeasured.costUsd, 0);
    assert.equal(parseCostBasis(unmeasured.costBasis)?.kind, 'offload-gpu-hour');
    assert.match(unmeasured.costBasis, /"time":"unmeasured"/);
  });

  it('prices local generation by measured CPU time × watts × energy price', () => {
    // 7200 CPU-ms × 10 W = 72 J = 2e-5 kWh; × 0.25 USD/kWh = 5e-6 USD.
    const cost = priceRow(requestRow({ backend: 'local', cpuMs: 7200, e2eMs: 1800 }), basis);
    close(cost.costUsd, 5e-6);
    assert.deepEqual(parseCostBasis(cost.costBasis), {
      kind: 'local',
      watts: 10,
      energyPricePerKwh: 0.25,
      cpu: 7200,
      hardwarePrice: 0,
      hardwareLifetimeHours: 6000,
      wallMs: 1800,
    });
    // One CPU-hour at 10 W is 10 Wh = 0.01 kWh: 0.0025 USD at 0.25 USD/kWh.
    close(priceRow(requestRow({ backend: 'local', cpuMs: 3_600_000 }), basis).costUsd, 0.0025);
  });

  it('prices local energy at 0 and says so when the CPU time was not measured', () => {
    const cost = priceRow(requestRow({ backend: 'local', e2eMs: 1800 }), basis);
    assert.equal(cost.costUsd, 0);
    assert.match(cost.costBasis, /"cpu":"unmeasured"/);
  });

  it('adds hardware amortization by wall time', () => {
    const amortized: CostBasis = { ...basis, local: { ...basis.local, hardwarePrice: 1200, hardwareLifetimeHours: 6000 } };
    // 1200 USD / 6000 h = 0.2 USD/h; 1800 ms = 0.0005 h → 1e-4 USD, plus 5e-6 USD of energy.
    close(priceRow(requestRow({ backend: 'local', cpuMs: 7200, e2eMs: 1800 }), amortized).costUsd, 1.05e-4);
    // Wall time is measured even when CPU time is not: the hardware share alone.
    close(priceRow(requestRow({ backend: 'local', e2eMs: 1800 }), amortized).costUsd, 1e-4);
  });
});

describe('costBasisOf', () => {
  it('reads the prices from the settings, with documented defaults', () => {
    assert.deepEqual(costBasisOf(DEFAULT_CONFIG), {
      offload: { inputPerMillionTokens: 0, outputPerMillionTokens: 0, gpuHourPrice: 0 },
      local: { watts: 10, energyPricePerKwh: 0.16, hardwarePrice: 0, hardwareLifetimeHours: 6000 },
    });
  });

  it('falls back to the single offload price for a per-direction price left at 0', () => {
    const { config } = mergeConfig({ offload: { pricePerMillionTokens: 2, outputPricePerMillionTokens: 8 } });
    assert.deepEqual(costBasisOf(config).offload, { inputPerMillionTokens: 2, outputPerMillionTokens: 8, gpuHourPrice: 0 });
  });

  it('takes every cost setting from the merged configuration', () => {
    const { config, warnings } = mergeConfig({
      offload: { inputPricePerMillionTokens: 0.5, outputPricePerMillionTokens: 1.5, gpuHourPrice: 3 },
      local: { watts: 6, energyPrice: 0.3, hardwarePrice: 2000, hardwareLifetimeHours: 10000 },
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(costBasisOf(config), {
      offload: { inputPerMillionTokens: 0.5, outputPerMillionTokens: 1.5, gpuHourPrice: 3 },
      local: { watts: 6, energyPricePerKwh: 0.3, hardwarePrice: 2000, hardwareLifetimeHours: 10000 },
    });
  });
});

describe('withoutCostSettings', () => {
  it('hides price changes and nothing else, so prices apply without a reload', () => {
    const { local, offload } = DEFAULT_CONFIG;
    const sameLocal = (other: typeof local) =>
      JSON.stringify(withoutCostSettings('local', local)) === JSON.stringify(withoutCostSettings('local', other));
    const sameOffload = (other: typeof offload) =>
      JSON.stringify(withoutCostSettings('offload', offload)) === JSON.stringify(withoutCostSettings('offload', other));
    assert.ok(sameLocal({ ...local, watts: 30, energyPrice: 0.4, hardwarePrice: 900, hardwareLifetimeHours: 1 }));
    assert.ok(!sameLocal({ ...local, dtype: 'fp32' }));
    assert.ok(
      sameOffload({ ...offload, inputPricePerMillionTokens: 1, outputPricePerMillionTokens: 2, pricePerMillionTokens: 3, gpuHourPrice: 4 }),
    );
    assert.ok(!sameOffload({ ...offload, url: 'http://127.0.0.1:1/v1' }));
    assert.equal(local.watts, 10, 'the settings passed in are not changed');
  });
});

describe('parseCostBasis', () => {
  it('reads back what priceRow stored and rejects anything else', () => {
    const stored = priceRow(requestRow({ backend: 'offload', promptTokens: 10, completionTokens: 5 }), basis).costBasis;
    assert.equal(JSON.stringify(parseCostBasis(stored)), stored);
    assert.equal(parseCostBasis(undefined), undefined);
    assert.equal(parseCostBasis(null), undefined);
    assert.equal(parseCostBasis('not json'), undefined);
    assert.equal(parseCostBasis('{"kind":"other"}'), undefined);
    assert.equal(parseCostBasis('3'), undefined);
  });
});
