import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../server/src/backends/backend';
import { abortableDelay, adaptiveDelayMs } from '../../server/src/completion/debounce';

describe('adaptiveDelayMs', () => {
  it('subtracts the recent backend latency from the debounce, never below zero', () => {
    assert.equal(adaptiveDelayMs(150, undefined), 150);
    assert.equal(adaptiveDelayMs(150, 40), 110);
    assert.equal(adaptiveDelayMs(150, 900), 0);
    assert.equal(adaptiveDelayMs(0, 10), 0);
  });
});

describe('abortableDelay', () => {
  it('resolves only once the delay has elapsed', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let done = false;
    const waiting = abortableDelay(100, new AbortController().signal).then(() => (done = true));
    t.mock.timers.tick(99);
    await Promise.resolve();
    assert.equal(done, false);
    t.mock.timers.tick(1);
    await waiting;
    assert.equal(done, true);
  });

  it('rejects with CancelledError as soon as the signal aborts', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const controller = new AbortController();
    const waiting = abortableDelay(10_000, controller.signal);
    controller.abort(new Error('newer keystroke'));
    await assert.rejects(waiting, CancelledError);
  });

  it('rejects at once for an already aborted signal and resolves at once for no delay', async () => {
    await assert.rejects(abortableDelay(10, AbortSignal.abort()), CancelledError);
    await abortableDelay(0, new AbortController().signal);
  });
});

