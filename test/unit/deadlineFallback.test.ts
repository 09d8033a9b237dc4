/**
 * Issue 10, "Deadlines that fall back", at the router: offload's first-token and stall budgets cut
 * from the caller's deadline, a timeout of theirs as a breaker failure and a fallback, the
 * caller's deadline told apart from a cancellation, one health model for an endpoint reported
 * down, and the explain timeout's message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, TimeoutError, UnavailableError, type Backend } from '../../server/src/backends/backend';
import { DEFAULT_CONFIG, mergeConfig, type TandemConfig } from '../../server/src/config';
import { ExplainFailedError, ExplainService } from '../../server/src/explain/explainService';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { memoryLogger } from '../../server/src/logger';
import { runawayChunkLimit } from '../../server/src/routing/attempt';
import { offloadBudget } from '../../server/src/routing/deadline';
import { failedAttemptsOf } from '../../server/src/routing/failedAttempts';
import { Router } from '../../server/src/routing/router';
import type { RouteContext } from '../../server/src/routing/types';
import { ScriptedBackend, type Script } from '../support/fakeBackend';
import { fakeBackend, FakeCache, FakeMetrics, FakeRouter, testConfig } from './serviceFakes';

const MULTILINE: RouteContext = { task: 'completion', multiline: true, language: 'python', budgetMs: 600 };
const build = (backend: Backend) => ({ task: 'completion' as const, prompt: `for ${backend.id}`, maxTokens: 8, temperature: 0, stop: [] });
/** Never answers within any test's time: a stalled endpoint. */
const SILENT: Script = { chunks: ['late'], delayMs: 60_000 };

function makeRouter(local: Script[], offload: Script[], settings: unknown = {}) {
  const config: TandemConfig = mergeConfig(
    { 'breaker.failureThreshold': 2, 'breaker.cooldownMs': 3_600_000, ...(settings as object) },
    DEFAULT_CONFIG,
  ).config;
  const localBackend = new ScriptedBackend('local', local);
  const offloadBackend = new ScriptedBackend('offload', offload);
  const router = new Router({ local: localBackend, offload: offloadBackend, config: () => config, log: memoryLogger() });
  return { router, localBackend, offloadBackend };
}

describe('offload budget (deadline.ts)', () => {
  it('gives offload a share of the deadline, capped by offload.timeoutMs, leaving local its reserve', () => {
    assert.deepEqual(offloadBudget({ task: 'completion', remainingMs: 4000, offloadTimeoutMs: 15_000, localRecentMs: undefined }), {
      firstTokenMs: 2000,
      stallMs: 2000,
    });
    assert.equal(
      offloadBudget({ task: 'explain', remainingMs: 60_000, offloadTimeoutMs: 15_000, localRecentMs: 900 }).firstTokenMs,
      15_000,
    );
    assert.equal(
      offloadBudget({ task: 'explain', remainingMs: 60_000, offloadTimeoutMs: 5000, localRecentMs: undefined }).firstTokenMs,
      5000,
    );
    // A local model that needs 1.5 s (reserve 3 s) leaves offload 1 s of a 4 s deadline.
    assert.equal(
      offloadBudget({ task: 'completion', remainingMs: 4000, offloadTimeoutMs: 15_000, localRecentMs: 1500 }).firstTokenMs,
      1000,
    );
  });

  it('starts local as a hedge when a sequential fallback would not leave it its reserve', () => {
    const tight = offloadBudget({ task: 'completion', remainingMs: 500, offloadTimeoutMs: 15_000, localRecentMs: 200 });
    assert.equal(tight.firstTokenMs, 200, 'never below the minimum first-token wait');
    assert.equal(tight.hedgeAtMs, 100, 'local starts when only its reserve (2 × 200 ms) is left');
    assert.equal(
      offloadBudget({ task: 'completion', remainingMs: 4000, offloadTimeoutMs: 15_000, localRecentMs: 200 }).hedgeAtMs,
      undefined,
    );
  });
});

describe('router: deadlines that fall back', () => {
  it('an offload that streams past max_tokens (an endless stream) is cut and the local model answers', async () => {
    const endless: Script = { chunks: Array.from({ length: runawayChunkLimit(8) + 50 }, () => 'x') };
    const { router } = makeRouter([{ chunks: ['local answer'] }], [endless]);
    const result = await router.generate(MULTILINE, build, new AbortController().signal);
    assert.equal(result.backend.id, 'local');
    assert.equal(result.text, 'local answer');
    assert.match(result.fallbackReason ?? '', /kept streaming past max_tokens \(8\)/);
  });

  it('an offload silent past its first-token budget fails as a timeout: breaker charged, local answers, attempt reported', async () => {
    const { router, localBackend } = makeRouter([{ chunks: ['local answer'] }], [SILENT]);
    const result = await router.generate(MULTILINE, build, new AbortController().signal);
    assert.equal(result.backend.id, 'local');
    assert.equal(result.text, 'local answer');
    assert.match(result.fallbackReason ?? '', /^offload timeout: The offload backend sent no first token within 300 ms/);
    assert.deepEqual(
      result.failedAttempts?.map((a) => [a.backend, a.errorClass]),
      [['offload', 'TimeoutError']],
    );
    assert.equal(localBackend.requests.length, 1);
    assert.ok(localBackend.signals[0] && !localBackend.signals[0].aborted);
  });

  it('a stream that stalls after its first chunk falls back too, and the restarted answer resets the stream', async () => {
    const { router, offloadBackend } = makeRouter([{ chunks: ['local'] }], []);
    // One chunk, then silence until aborted: what a server stalled mid-stream looks like.
    offloadBackend.generate = async function* (_request, signal) {
      yield { type: 'text', text: 'par' };
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      throw new CancelledError(undefined, { cause: signal.reason });
    };
    const seen: Array<[string, string, boolean]> = [];
    const result = await router.generate(MULTILINE, build, new AbortController().signal, (d, b, reset) => seen.push([d, b.id, reset]));
    assert.equal(result.backend.id, 'local');
    assert.match(result.fallbackReason ?? '', /offload timeout: The offload stream stalled/);
    assert.deepEqual(seen, [
      ['par', 'offload', false],
      ['local', 'local', true],
    ]);
    assert.equal(router.breakerState('offload'), 'closed', 'one failure of two');
  });

  it('the breaker opens after failureThreshold timeouts and later requests are fallbacks with the reason', async () => {
    const { router, offloadBackend } = makeRouter([{ chunks: ['1'] }, { chunks: ['2'] }, { chunks: ['3'] }], [SILENT, SILENT]);
    const reasons: string[] = [];
    for (let i = 0; i < 3; i++) reasons.push((await router.generate(MULTILINE, build, new AbortController().signal)).fallbackReason ?? '');
    assert.equal(router.breakerState('offload'), 'open');
    assert.equal(offloadBackend.requests.length, 2, 'no request reached the open breaker');
    assert.match(reasons[0] ?? '', /offload timeout/);
    assert.match(reasons[2] ?? '', /offload breaker open/);
  });

  it("the caller's deadline ends the request with a TimeoutError (not a cancellation) and charges offload", async () => {
    const { router } = makeRouter([], [SILENT], { 'routing.policy': 'offload' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new TimeoutError('Completion took longer than 50 ms.')), 50);
    const noFallback: RouteContext = { ...MULTILINE, budgetMs: 10_000 };
    // The deadline arrives (50 ms) long before the budget it was announced with would let offload's
    // first-token watchdog fire (5 s): no fallback, a timeout.
    await assert.rejects(router.generate(noFallback, build, controller.signal), (error) => {
      assert.ok(error instanceof TimeoutError, `got ${String(error)}`);
      assert.match(error.message, /took longer than 50 ms/);
      assert.deepEqual(
        failedAttemptsOf(error).map((a) => a.backend),
        ['offload'],
      );
      return true;
    });
  });

  it('a real cancellation (the user typed on) never falls back and charges nothing', async () => {
    const { router, localBackend } = makeRouter([{ chunks: ['x'] }], [SILENT]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('Completion was cancelled.')), 20);
    await assert.rejects(router.generate(MULTILINE, build, controller.signal), CancelledError);
    assert.equal(localBackend.requests.length, 0);
    assert.equal(router.breakerState('offload'), 'closed');
  });
});

describe('router: one health model', () => {
  it('an endpoint reported down is still judged by the breaker, and every local answer counts as a fallback', async () => {
    const refused = () => ({ error: new UnavailableError('connect ECONNREFUSED 127.0.0.1:9') });
    const { router, offloadBackend } = makeRouter(
      Array.from({ length: 5 }, (_, i) => ({ chunks: [`local ${i}`] })),
      [refused(), refused(), refused()],
      { 'breaker.failureThreshold': 3 },
    );
    // What OffloadBackend does after a refused connection: it reports itself down and unavailable.
    offloadBackend.available = false;
    const reasons: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await router.generate(MULTILINE, build, new AbortController().signal);
      assert.equal(result.backend.id, 'local');
      reasons.push(result.fallbackReason ?? '');
    }
    assert.equal(offloadBackend.requests.length, 3, 'asked until the breaker opened');
    assert.equal(router.breakerState('offload'), 'open');
    assert.equal(reasons.filter((reason) => reason !== '').length, 5, `every answer is a fallback: ${JSON.stringify(reasons)}`);
    assert.match(reasons[4] ?? '', /offload breaker open/);
  });

  it('under auto a single-line completion that never wanted offload is no fallback', async () => {
    const { router, offloadBackend } = makeRouter([{ chunks: ['x'] }], []);
    offloadBackend.available = false;
    const result = await router.generate({ ...MULTILINE, multiline: false }, build, new AbortController().signal);
    assert.equal(result.fallbackReason, undefined);
  });
});

describe('explain timeout', () => {
  it('says how long it took and which setting, and is recorded as a TimeoutError, not a cancellation', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const local = fakeBackend('local');
    const router = new FakeRouter(local).answer({ gated: true });
    const metrics = new FakeMetrics();
    const service = new ExplainService({
      router,
      firstChoice: router.firstChoice,
      cache: new FakeCache(),
      metrics,
      config: () => testConfig({ 'explain.timeoutMs': 2000 }),
      log: memoryLogger(),
      newId: () => 'e1',
    });
    const pending = service.explain({
      document: TextDocument.create('file:///a.py', 'python', 1, 'x = 1\n'),
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } },
      streamId: 's',
      signal: new AbortController().signal,
      onDelta: () => undefined,
    });
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(2000);
    await assert.rejects(pending, (error) => {
      assert.ok(error instanceof ExplainFailedError);
      assert.equal(error.message, 'Explain took longer than 2 s (tandem.explain.timeoutMs).');
      return true;
    });
    assert.equal(metrics.rows[0]?.outcome, 'error');
    assert.equal(metrics.rows[0]?.errorClass, 'TimeoutError');
  });
});
