import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateLocalEnergy, offloadCostUsd, requestCostUsd } from '../../server/src/metrics/cost';

describe('cost', () => {
  it('prices offload tokens per million', () => {
    assert.equal(offloadCostUsd(1_000_000, 0.5), 0.5);
    assert.ok(Math.abs(offloadCostUsd(1234, 2) - 0.002468) < 1e-12);
    assert.equal(offloadCostUsd(1000, 0), 0);
    assert.equal(offloadCostUsd(-5, 1), 0);
  });

  it('charges nothing for local generation', () => {
    assert.equal(requestCostUsd('local', 1_000_000, 1_000_000, 10), 0);
    assert.equal(requestCostUsd('offload', 500_000, 500_000, 10), 10);
  });

  it('estimates local energy from wall time under stated assumptions', () => {
    const estimate = estimateLocalEnergy(3600_000, { busyCores: 4, wattsPerCore: 10, usdPerKwh: 0.2 });
    assert.equal(estimate.cpuSeconds, 4 * 3600);
    assert.equal(estimate.joules, 4 * 3600 * 10);
    assert.ok(Math.abs(estimate.kilowattHours - 0.04) < 1e-12);
    assert.ok(Math.abs(estimate.usd - 0.008) < 1e-12);
    assert.equal(estimateLocalEnergy(-1).joules, 0);
  });
});
