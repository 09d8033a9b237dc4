import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from '../../server/src/routing/circuitBreaker';
import type { BreakerState } from '../../server/src/protocol';

function fakeClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function breakerWithLog(threshold = 3, cooldownMs = 1000) {
  const clock = fakeClock();
  const breaker = new CircuitBreaker({ failureThreshold: threshold, cooldownMs, now: clock.now });
  const changes: BreakerState[] = [];
  breaker.onDidChange((state) => changes.push(state));
  return { breaker, clock, changes };
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and a success resets the count', () => {
    const { breaker, changes } = breakerWithLog(3);
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.failures, 2);
    breaker.recordSuccess();
    assert.equal(breaker.failures, 0);
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.canRequest(), true);
    assert.deepEqual(changes, []);
  });

  it('opens after N consecutive failures and refuses requests during the cooldown', () => {
    const { breaker, clock, changes } = breakerWithLog(3, 1000);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    assert.deepEqual(changes, ['open']);
    assert.equal(breaker.canRequest(), false);
    assert.equal(breaker.canProbe(), false);
    clock.advance(999);
    assert.equal(breaker.canRequest(), false);
    assert.equal(breaker.state, 'open');
  });

  it('lets exactly one probe through after the cooldown (half-open)', () => {
    const { breaker, clock, changes } = breakerWithLog(1, 1000);
    breaker.recordFailure();
    clock.advance(1000);
    assert.equal(breaker.canProbe(), true);
    assert.equal(breaker.state, 'open', 'canProbe must not change the state');
    assert.equal(breaker.canRequest(), true);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.canRequest(), false, 'a second request waits for the probe');
    assert.equal(breaker.canProbe(), false);
    assert.deepEqual(changes, ['open', 'half-open']);
  });

  it('closes when the probe succeeds', () => {
    const { breaker, clock, changes } = breakerWithLog(2, 500);
    breaker.recordFailure();
    breaker.recordFailure();
    clock.advance(500);
    assert.equal(breaker.canRequest(), true);
    breaker.recordSuccess();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.failures, 0);
    assert.equal(breaker.canRequest(), true);
    assert.deepEqual(changes, ['open', 'half-open', 'closed']);
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const { breaker, clock, changes } = breakerWithLog(2, 500);
    breaker.recordFailure();
    breaker.recordFailure();
    clock.advance(500);
    assert.equal(breaker.canRequest(), true);
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    clock.advance(499);
    assert.equal(breaker.canRequest(), false);
    clock.advance(1);
    assert.equal(breaker.canRequest(), true);
    assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open']);
  });

  it('does not stay stuck half-open when the probe outcome is never recorded', () => {
    const { breaker, clock } = breakerWithLog(1, 1000);
    breaker.recordFailure();
    clock.advance(1000);
    assert.equal(breaker.canRequest(), true);
    clock.advance(999);
    assert.equal(breaker.canRequest(), false);
    clock.advance(1);
    assert.equal(breaker.canRequest(), true, 'an abandoned probe stops blocking after a cooldown');
    assert.equal(breaker.state, 'half-open');
  });

  it('unsubscribes listeners', () => {
    const { breaker } = breakerWithLog(1);
    const seen: BreakerState[] = [];
    const stop = breaker.onDidChange((state) => seen.push(state));
    stop();
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    assert.deepEqual(seen, []);
  });

  it('treats a non-integer or zero threshold as at least one failure', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 0, cooldownMs: 10, now: clock.now });
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
  });
});
