import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../server/src/backends/backend';
import { abortableDelay, adaptiveDelayMs, KeystrokeDebouncer } from '../../server/src/completion/debounce';

describe('adaptiveDelayMs', () => {
  it('subtracts the recent backend latency from the debounce, never below half of it', () => {
    assert.equal(adaptiveDelayMs(150, undefined), 150);
    assert.equal(adaptiveDelayMs(150, 40), 110);
    assert.equal(adaptiveDelayMs(150, 900), 75, 'a slow backend no longer shrinks the wait to zero');
    assert.equal(adaptiveDelayMs(0, 10), 0, 'debounceMs 0 turns the delay off');
  });
});

/** Requests for `uri` at these times (ms). */
function typed(debouncer: KeystrokeDebouncer, uri: string, times: number[]): void {
  for (const time of times) debouncer.noteRequest(uri, time);
}

describe('KeystrokeDebouncer', () => {
  it('with too few keystrokes measured, waits the latency-adjusted base', () => {
    const debouncer = new KeystrokeDebouncer();
    typed(debouncer, 'a', [0, 80, 160]);
    assert.equal(debouncer.typicalIntervalMs(), undefined, 'two intervals are not enough');
    assert.equal(debouncer.delayMs(150, 100), 75);
  });

  it('while the user types fast, waits about twice their interval, longer than the base', () => {
    const debouncer = new KeystrokeDebouncer();
    typed(debouncer, 'a', [0, 80, 160, 240, 320]);
    assert.equal(debouncer.typicalIntervalMs(), 80);
    assert.equal(debouncer.delayMs(150, 100), 160, 'the next key (80 ms later) arrives while still waiting');
    assert.equal(debouncer.delayMs(150, undefined), 160);
  });

  it('never waits longer than 3 × debounceMs, and debounceMs 0 means no wait at all', () => {
    const debouncer = new KeystrokeDebouncer();
    typed(debouncer, 'a', [0, 400, 800, 1200, 1600]);
    assert.equal(debouncer.typicalIntervalMs(), 400);
    assert.equal(debouncer.delayMs(150, 0), 450);
    assert.equal(debouncer.delayMs(0, 0), 0);
  });

  it('a pause is not a typing interval, and switching documents is not one either', () => {
    const debouncer = new KeystrokeDebouncer();
    typed(debouncer, 'a', [0, 5000, 10_000]);
    typed(debouncer, 'b', [10_010]);
    assert.equal(debouncer.typicalIntervalMs(), undefined, 'nothing measured: 5 s gaps are pauses, b had no earlier key');
    typed(debouncer, 'a', [10_060, 10_120]);
    typed(debouncer, 'b', [10_070, 10_130]);
    assert.equal(debouncer.typicalIntervalMs(), 60, 'intervals from both documents are pooled');
  });

  it('keeps a sliding window, so the estimate follows the user when they slow down', () => {
    const debouncer = new KeystrokeDebouncer({ window: 4 });
    typed(debouncer, 'a', [0, 50, 100, 150, 200]);
    assert.equal(debouncer.typicalIntervalMs(), 50);
    typed(debouncer, 'a', [300, 400, 500, 600]);
    assert.equal(debouncer.typicalIntervalMs(), 100);
  });

  it('a forgotten document starts over', () => {
    const debouncer = new KeystrokeDebouncer({ minSamples: 1 });
    typed(debouncer, 'a', [0]);
    debouncer.forget('a');
    typed(debouncer, 'a', [30]);
    assert.equal(debouncer.typicalIntervalMs(), undefined);
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
