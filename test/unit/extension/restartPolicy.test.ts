import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOnClose, RestartBudget } from '../../../extension/src/restartPolicy';

function clock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('RestartBudget', () => {
  it('allows maxRestarts crashes inside the window, then refuses', () => {
    const time = clock();
    const budget = new RestartBudget(2, 1000, time.now);
    assert.equal(budget.allowRestart(), true);
    time.advance(100);
    assert.equal(budget.allowRestart(), true);
    time.advance(100);
    assert.equal(budget.allowRestart(), false);
  });

  it('forgets crashes older than the window', () => {
    const time = clock();
    const budget = new RestartBudget(1, 1000, time.now);
    assert.equal(budget.allowRestart(), true);
    time.advance(1000);
    assert.equal(budget.allowRestart(), true, 'the first crash left the window');
    time.advance(10);
    assert.equal(budget.allowRestart(), false);
  });
});

describe('decideOnClose', () => {
  it('gives up at once on a server that never finished starting, without using the budget', () => {
    const budget = new RestartBudget(1, 1000, clock().now);
    const decision = decideOnClose(false, budget);
    assert.equal(decision.action, 'give-up');
    assert.match(decision.message, /before it finished starting/);
    assert.equal(budget.allowRestart(), true, 'budget untouched');
  });

  it('restarts a server that crashed after running, until the budget is spent', () => {
    const budget = new RestartBudget(1, 60_000, clock().now);
    assert.equal(decideOnClose(true, budget).action, 'restart');
    const decision = decideOnClose(true, budget);
    assert.equal(decision.action, 'give-up');
    assert.match(decision.message, /more than 1 times in 1 minutes.*Restart Server/);
  });
});
