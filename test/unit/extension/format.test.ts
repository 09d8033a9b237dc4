import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount, formatMs, formatPercent, formatRate, formatUsd, NO_VALUE } from '../../../extension/src/format';

describe('format', () => {
  it('formats milliseconds below and above a second', () => {
    assert.equal(formatMs(0), '0 ms');
    assert.equal(formatMs(83.6), '84 ms');
    assert.equal(formatMs(999.4), '999 ms');
    assert.equal(formatMs(1234), '1.23 s');
  });

  it('shows missing values as a dash', () => {
    for (const format of [formatMs, formatPercent, formatRate, formatUsd, formatCount]) {
      assert.equal(format(null), NO_VALUE);
      assert.equal(format(undefined), NO_VALUE);
      assert.equal(format(Number.NaN), NO_VALUE);
    }
  });

  it('keeps a decimal for small percentages', () => {
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.042), '4.2%');
    assert.equal(formatPercent(0.4), '40%');
    assert.equal(formatPercent(1), '100%');
  });

  it('formats rates, dollars and counts', () => {
    assert.equal(formatRate(12.345), '12.3 tok/s');
    assert.equal(formatUsd(0), '$0');
    assert.equal(formatUsd(0.00042), '$0.0004');
    assert.equal(formatUsd(1.5), '$1.50');
    // One rule for zero: only nothing charged reads "$0"; a cost too small for four decimals is
    // not shown as a zero.
    assert.equal(formatUsd(0.00001), '<$0.0001');
    assert.equal(formatUsd(0.00005), '$0.0001');
    assert.equal(formatUsd(-0.0042), '-$0.0042');
    assert.equal(formatUsd(-0), '$0');
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatCount(12), '12');
  });
});
