import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, HttpError, TimeoutError, type Backend } from '../../server/src/backends/backend';
import { DEFAULT_CONFIG, mergeConfig, type TandemConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { NoBackendError, Router } from '../../server/src/routing/router';
import type { RouteContext } from '../../server/src/routing/types';
import { ScriptedBackend, type Script } from '../support/fakeBackend';

const EXPLAIN: RouteContext = { task: 'explain', multiline: true, language: 'python' };
const LINE: RouteContext = { task: 'completion', multiline: false, language: 'python' };

function makeRouter(local: Script[], offload: Script[] | undefined, settings: unknown = {}) {
  const config: TandemConfig = mergeConfig(settings, DEFAULT_CONFIG).config;
  const localBackend = new ScriptedBackend('local', local);
  const offloadBackend = offload ? new ScriptedBackend('offload', offload) : undefined;
  const router = new Router({ local: localBackend, offload: offloadBackend, config: () => config, log: memoryLogger() });
  return { router, localBackend, offloadBackend };
}

const build = (backend: Backend) => ({ task: 'explain' as const, prompt: `for ${backend.id}`, maxTokens: 8, temperature: 0, stop: [] });

describe('router', () => {
  it('streams from the chosen backend and measures TTFT and E2E', async () => {
    const { router } = makeRouter([{ chunks: ['a', 'b', 'c'] }], undefined);
    const deltas: string[] = [];
    const result = await router.generate(LINE, build, new AbortController().signal, (d) => deltas.push(d));
    assert.equal(result.text, 'abc');
    assert.deepEqual(deltas, ['a', 'b', 'c']);
    assert.equal(result.backend.id, 'local');
    assert.equal(result.chunkGapsMs.length, 2);
    assert.ok(result.e2eMs >= result.ttftMs && result.ttftMs >= 0);
    assert.equal(result.fallbackReason, undefined);
  });

  it('falls back to local when offload fails, says why, and resets the stream', async () => {
    const { router, offloadBackend } = makeRouter(
      [{ chunks: ['local answer'] }],
      [{ chunks: ['partial '], error: new HttpError('Offload returned HTTP 500.', 500) }],
    );
    const seen: Array<[string, string, boolean]> = [];
    const result = await router.generate(EXPLAIN, build, new AbortController().signal, (d, b, reset) => seen.push([d, b.id, reset]));
    assert.equal(result.backend.id, 'local');
    assert.equal(result.text, 'local answer');
    assert.match(result.fallbackReason ?? '', /offload http: Offload returned HTTP 500/);
    assert.deepEqual(seen, [
      ['partial ', 'offload', false],
      ['local answer', 'local', true],
    ]);
    assert.equal(offloadBackend!.requests[0]!.prompt, 'for offload');
  });

  it('opens the offload breaker after repeated failures and then routes around it', async () => {
    const failures = Array.from({ length: 3 }, () => ({ error: new TimeoutError('slow') }));
    const { router, offloadBackend } = makeRouter(
      Array.from({ length: 4 }, () => ({ chunks: ['ok'] })),
      [...failures, { chunks: ['never'] }],
      { breaker: { failureThreshold: 3, cooldownMs: 60000 } },
    );
    const changes: string[] = [];
    router.onBreakerChange((id, state) => changes.push(`${id}:${state}`));
    for (let i = 0; i < 3; i++) await router.generate(EXPLAIN, build, new AbortController().signal);
    assert.equal(router.breakerState('offload'), 'open');
    assert.deepEqual(changes, ['offload:open']);
    const result = await router.generate(EXPLAIN, build, new AbortController().signal);
    assert.equal(result.backend.id, 'local');
    assert.match(result.decision, /breaker open/);
    assert.equal(offloadBackend!.requests.length, 3, 'no request reached the open breaker');
  });

  it('does not fall back on cancellation', async () => {
    const { router, localBackend } = makeRouter([{ chunks: ['x'] }], [{ chunks: ['a', 'b'], delayMs: 50 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(router.generate(EXPLAIN, build, controller.signal), CancelledError);
    assert.equal(localBackend.requests.length, 0);
  });

  it('under the local policy a local failure is final', async () => {
    const { router, offloadBackend } = makeRouter([{ error: new TimeoutError('local too slow') }], [{ chunks: ['x'] }], {
      routing: { policy: 'local' },
    });
    await assert.rejects(router.generate(EXPLAIN, build, new AbortController().signal), /local too slow/);
    assert.equal(offloadBackend!.requests.length, 0, 'code never went to offload');
  });

  it('throws NoBackendError naming the reason when nothing can answer', async () => {
    const { router, localBackend } = makeRouter([], undefined);
    localBackend.available = false;
    await assert.rejects(router.generate(LINE, build, new AbortController().signal), (error: Error) => {
      assert.ok(error instanceof NoBackendError);
      assert.match(error.message, /scripted down/);
      return true;
    });
  });
});
