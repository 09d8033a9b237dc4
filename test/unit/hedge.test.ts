/**
 * Hedged requests through the real Router: which leg starts when, who wins, who is aborted,
 * what the record says, and which failures the breakers count. Races are ordered by held
 * backends the test releases, and hedge timers of 1 ms race only against held legs, so no
 * assertion depends on timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, HttpError, StreamInterruptedError, type Backend } from '../../server/src/backends/backend';
import { WarmingUpError } from '../../server/src/backends/offload/errorMapping';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { Router } from '../../server/src/routing/router';
import type { RouteContext } from '../../server/src/routing/types';
import { HeldBackend, type HeldScript } from '../support/heldBackend';

// Explanations go to offload first under `auto`, with local as the second leg.
const EXPLAIN: RouteContext = { task: 'explain', multiline: true, language: 'python' };
const build = (backend: Backend) => ({ task: 'explain' as const, prompt: `for ${backend.id}`, maxTokens: 8, temperature: 0, stop: [] });

function setup(offload: HeldScript[], local: HeldScript[], settings: Record<string, unknown> = {}) {
  const config = mergeConfig(
    { routing: { hedgeMs: 1 }, breaker: { failureThreshold: 1, cooldownMs: 600_000 }, ...settings },
    DEFAULT_CONFIG,
  ).config;
  const offloadBackend = new HeldBackend('offload', offload);
  const localBackend = new HeldBackend('local', local);
  const router = new Router({ local: localBackend, offload: offloadBackend, config: () => config, log: memoryLogger() });
  const deltas: Array<[string, string, boolean]> = [];
  const generate = (signal = new AbortController().signal) =>
    router.generate(EXPLAIN, build, signal, (delta, backend, reset) => deltas.push([delta, backend.id, reset]));
  return { router, offload: offloadBackend, local: localBackend, deltas, generate };
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('router: hedged requests', { timeout: 20_000 }, () => {
  it('does not hedge when the first backend answers within the budget, and leaves no timer behind', async () => {
    const { offload, local, deltas, generate } = setup([{ chunks: ['fast ', 'answer'] }], [], { routing: { hedgeMs: 60_000 } });
    const before = timers();
    const result = await generate();
    assert.equal(result.backend.id, 'offload');
    assert.equal(result.text, 'fast answer');
    assert.equal(result.hedge, undefined);
    assert.equal(result.decision, 'auto: explain → offload');
    assert.equal(local.requests.length, 0);
    assert.equal(offload.signals[0]?.aborted, false);
    assert.deepEqual(deltas, [
      ['fast ', 'offload', false],
      ['answer', 'offload', false],
    ]);
    assert.equal(timers(), before, 'the hedge timer was cleared');
  });

  it('starts the second backend when the first is slow; the first to answer wins and the other is aborted', async () => {
    const { router, offload, local, deltas, generate } = setup([{ chunks: ['slow'], held: true }], [{ chunks: ['quick'] }]);
    const result = await generate();
    assert.equal(result.backend.id, 'local');
    assert.equal(result.text, 'quick');
    assert.equal(offload.signals[0]?.aborted, true, 'the slow leg saw its signal abort');
    assert.equal(local.signals[0]?.aborted, false);
    assert.equal(local.requests[0]?.prompt, 'for local', 'each leg gets its own request');
    assert.deepEqual(deltas, [['quick', 'local', false]], 'only the winner streams');
    assert.deepEqual(result.hedge?.started, ['offload', 'local']);
    assert.equal(result.hedge?.winner, 'local');
    assert.equal(result.hedge?.loser?.backend, 'offload');
    assert.equal(result.hedge?.loser?.outcome, 'cancelled');
    assert.ok((result.hedge?.afterMs ?? -1) >= 0);
    assert.match(result.decision, /^auto: explain → offload; hedged after \d+ ms, local won$/);
    assert.equal(result.fallbackReason, undefined, 'a hedge win is not a fallback');
    assert.equal(router.breakerState('offload'), 'closed', 'the stopped loser is not a failure (threshold is 1)');
  });

  it('lets the first backend win when it answers after the hedge started, aborting the second', async () => {
    const { router, offload, local, generate } = setup([{ chunks: ['first'], held: true }], [{ chunks: ['second'], held: true }]);
    const pending = generate();
    await local.started(1);
    offload.release();
    const result = await pending;
    assert.equal(result.backend.id, 'offload');
    assert.equal(result.text, 'first');
    assert.equal(local.signals[0]?.aborted, true);
    assert.equal(result.hedge?.winner, 'offload');
    assert.equal(result.hedge?.loser?.backend, 'local');
    assert.equal(router.breakerState('local'), 'closed');
  });

  it('starts the second at once, as a plain fallback, when the first fails before the hedge fires', async () => {
    const { offload, local, generate } = setup([{ error: new HttpError('Offload returned HTTP 500.', 500) }], [{ chunks: ['local'] }], {
      routing: { hedgeMs: 60_000 },
    });
    const before = timers();
    const result = await generate();
    assert.equal(result.backend.id, 'local');
    assert.equal(result.hedge, undefined, 'no hedge happened: the timer never fired');
    assert.match(result.fallbackReason ?? '', /offload http: Offload returned HTTP 500/);
    assert.equal(offload.requests.length, 1);
    assert.equal(local.requests.length, 1);
    assert.equal(timers(), before, 'the 60 s hedge timer was cleared');
  });

  it('lets the other leg carry on when one fails after the hedge started, and charges the failing breaker', async () => {
    const { router, offload, generate } = setup([{ chunks: ['offload'], held: true }], [{ error: new HttpError('local broke', 500) }]);
    const localFailed = new Promise<void>((resolve) => router.onBreakerChange((id) => id === 'local' && resolve()));
    const pending = generate();
    await localFailed;
    offload.release();
    const result = await pending;
    assert.equal(result.backend.id, 'offload');
    assert.equal(offload.signals[0]?.aborted, false);
    assert.equal(result.hedge?.loser?.outcome, 'error');
    assert.match(result.hedge?.loser?.error ?? '', /local broke/);
    assert.match(result.decision, /hedged after \d+ ms, offload won; local failed/);
    assert.equal(result.fallbackReason, undefined, 'the first choice answered');
    assert.equal(router.breakerState('local'), 'open', 'a real error counts');
    assert.equal(router.breakerState('offload'), 'closed');
  });

  it('aborts both legs when the caller cancels', async () => {
    const { offload, local, generate } = setup([{ chunks: ['a'], held: true }], [{ chunks: ['b'], held: true }]);
    const controller = new AbortController();
    const before = timers();
    const pending = generate(controller.signal);
    await local.started(1);
    controller.abort(new Error('user typed on'));
    await assert.rejects(pending, CancelledError);
    assert.equal(offload.signals[0]?.aborted, true);
    assert.equal(local.signals[0]?.aborted, true);
    assert.equal(timers(), before);
  });

  it('falls back to the stopped loser, restarting the stream, when the winner breaks mid-stream', async () => {
    const { offload, local, deltas, generate } = setup(
      [{ chunks: ['partial'], held: true, error: new StreamInterruptedError('connection reset', 'partial') }],
      [{ chunks: ['never shown'], held: true }, { chunks: ['whole answer'] }],
    );
    const pending = generate();
    await local.started(1);
    offload.release();
    const result = await pending;
    assert.equal(result.backend.id, 'local');
    assert.equal(result.text, 'whole answer');
    assert.match(result.fallbackReason ?? '', /offload interrupted: connection reset/);
    assert.equal(local.signals[0]?.aborted, true, 'the first local leg lost the race');
    assert.deepEqual(deltas, [
      ['partial', 'offload', false],
      ['whole answer', 'local', true],
    ]);
  });

  it('does not hedge with one backend, or when hedging is off', async () => {
    const off = setup([{ chunks: ['x'] }], [], { routing: { hedgeMs: 0 } });
    assert.equal((await off.generate()).hedge, undefined);
    const config = mergeConfig({ routing: { hedgeMs: 1 } }, DEFAULT_CONFIG).config;
    const local = new HeldBackend('local', [{ chunks: ['alone'] }]);
    const router = new Router({ local, offload: undefined, config: () => config, log: memoryLogger() });
    const result = await router.generate(EXPLAIN, build, new AbortController().signal);
    assert.equal(result.text, 'alone');
    assert.equal(result.hedge, undefined);
  });
});

describe('router: breaker accounting', () => {
  it('does not count a model that is still loading (503 "Loading model") as a breaker failure', async () => {
    const loading = () => ({ error: new WarmingUpError('The offload model is still loading: Loading model') });
    const { router, generate } = setup([loading(), loading()], [{ chunks: ['a'] }, { chunks: ['b'] }], { routing: { hedgeMs: 0 } });
    for (let i = 0; i < 2; i++) {
      const result = await generate();
      assert.equal(result.backend.id, 'local');
      assert.match(result.fallbackReason ?? '', /still loading/);
    }
    assert.equal(router.breakerState('offload'), 'closed', 'threshold 1, yet still closed');
  });
});

describe('router: shadow routing', () => {
  function shadowRouter(policy: string, withOffload = true) {
    const config = mergeConfig({ routing: { policy } }, DEFAULT_CONFIG).config;
    const local = new HeldBackend('local', []);
    const offload = withOffload ? new HeldBackend('offload', []) : undefined;
    return { router: new Router({ local, offload, config: () => config, log: memoryLogger() }), local, offload };
  }
  const LINE: RouteContext = { task: 'completion', multiline: false, language: 'python' };

  it('sends a shadow to the other backend, never to offload under policy local or without an endpoint', () => {
    const auto = shadowRouter('auto');
    assert.equal(auto.router.shadowTarget(LINE, 'local')?.id, 'offload');
    assert.equal(auto.router.shadowTarget(LINE, 'offload')?.id, 'local');
    assert.equal(shadowRouter('offload').router.shadowTarget(LINE, 'offload')?.id, 'local');
    assert.equal(shadowRouter('local').router.shadowTarget(LINE, 'local'), undefined);
    assert.equal(shadowRouter('auto', false).router.shadowTarget(LINE, 'local'), undefined);
    auto.local.available = false;
    assert.equal(auto.router.shadowTarget(LINE, 'offload'), undefined, 'an unavailable backend gets no shadow');
  });

  it('generateOn runs one backend with no fallback, and its failures count for the breaker', async () => {
    const config = mergeConfig({ breaker: { failureThreshold: 1, cooldownMs: 600_000 } }, DEFAULT_CONFIG).config;
    const local = new HeldBackend('local', []);
    const offload = new HeldBackend('offload', [{ chunks: ['shadow'] }, { error: new HttpError('down', 500) }]);
    const router = new Router({ local, offload, config: () => config, log: memoryLogger() });
    const result = await router.generateOn(offload, LINE, build, new AbortController().signal);
    assert.equal(result.text, 'shadow');
    assert.equal(result.backend.id, 'offload');
    await assert.rejects(router.generateOn(offload, LINE, build, new AbortController().signal), HttpError);
    assert.equal(local.requests.length, 0, 'no fallback');
    assert.equal(router.breakerState('offload'), 'open');
    assert.equal(router.shadowTarget(LINE, 'local'), undefined, 'no shadows to a backend whose breaker opened');
    await assert.rejects(router.generateOn(offload, LINE, build, new AbortController().signal), /breaker is open/);
  });
});
