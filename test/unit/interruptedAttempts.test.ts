/**
 * Issue 11: a request that ends while an attempt is running belongs to that attempt's backend.
 * At the router (scripted backends held until the test aborts, so the races are ordered by the
 * test) and in the rows the services build from the router's error (attemptRows.ts):
 * - cancelled while waiting on offload → a cancelled row of offload, not of no backend;
 * - the caller's deadline during a hedge (both legs running) → a timeout of each backend;
 * - ended before any attempt began → no backend ("before routing").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, TimeoutError, UnavailableError, type Backend } from '../../server/src/backends/backend';
import { routingFailedRows } from '../../server/src/pipeline/attemptRows';
import { emptyRow, failureFields } from '../../server/src/pipeline/rows';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import type { RequestRow } from '../../server/src/protocol';
import { failedAttemptsOf, interruptedAttemptOf } from '../../server/src/routing/failedAttempts';
import { Router } from '../../server/src/routing/router';
import type { RouteContext } from '../../server/src/routing/types';
import type { Script } from '../support/fakeBackend';
import { HeldBackend, type HeldScript } from '../support/heldBackend';

const CONTEXT: RouteContext = { task: 'completion', multiline: true, language: 'python', budgetMs: 60_000 };
const build = (backend: Backend) => ({ task: 'completion' as const, prompt: `for ${backend.id}`, maxTokens: 8, temperature: 0, stop: [] });
const HELD: HeldScript = { held: true, chunks: ['never'] };

function makeRouter(local: HeldScript[], offload: HeldScript[], settings: Record<string, unknown> = {}) {
  const { config } = mergeConfig({ 'routing.policy': 'offload', 'breaker.cooldownMs': 3_600_000, ...settings }, DEFAULT_CONFIG);
  const localBackend = new HeldBackend('local', local);
  const offloadBackend = new HeldBackend('offload', offload);
  const router = new Router({ local: localBackend, offload: offloadBackend, config: () => config, log: memoryLogger() });
  return { router, localBackend, offloadBackend };
}

/** What a service records for a request the router ended with `error` (completionService.ts, explainService.ts). */
function rowsFor(error: unknown, state: { timedOut: boolean; aborted: boolean }): RequestRow[] {
  const row = emptyRow('req-1', 'completion', 'python', 'offload');
  const { fields, attemptRows } = routingFailedRows(row, error);
  return [{ ...row, ...fields, ...failureFields(error, state) }, ...attemptRows];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the request should have failed');
}

describe('router: the attempt a request was waiting on when it ended', () => {
  it('a cancellation during the offload attempt is a cancelled request of offload', async () => {
    const { router, offloadBackend } = makeRouter([{ chunks: ['local'] }], [HELD]);
    const controller = new AbortController();
    const pending = rejection(router.generate(CONTEXT, build, controller.signal));
    await offloadBackend.started(1);
    controller.abort(new Error('Completion was cancelled.'));
    const error = await pending;
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.deepEqual({ ...interruptedAttemptOf(error), ranMs: 0 }, { backend: 'offload', model: 'offload-model', ranMs: 0 });
    assert.deepEqual(failedAttemptsOf(error), [], 'a cancellation is no failure of the attempt');
    const rows = rowsFor(error, { timedOut: false, aborted: true });
    assert.deepEqual(
      rows.map((row) => [row.id, row.backend, row.model, row.outcome, row.errorClass]),
      [['req-1', 'offload', 'offload-model', 'cancelled', null]],
    );
    assert.equal(router.breakerState('offload'), 'closed');
  });

  it('cancelled while local answers after offload failed: offload keeps its error row, the cancellation is local’s', async () => {
    const refused: Script = { error: new UnavailableError('connection refused') };
    const { router, localBackend } = makeRouter([HELD], [refused]);
    const controller = new AbortController();
    const pending = rejection(router.generate(CONTEXT, build, controller.signal));
    await localBackend.started(1);
    controller.abort(new Error('Completion was cancelled.'));
    const error = await pending;
    assert.ok(error instanceof CancelledError);
    assert.equal(interruptedAttemptOf(error)?.backend, 'local');
    const rows = rowsFor(error, { timedOut: false, aborted: true });
    assert.deepEqual(
      rows.map((row) => [row.id, row.backend, row.outcome, row.errorClass]),
      [
        ['req-1', 'local', 'cancelled', null],
        ['req-1:attempt-1', 'offload', 'error', 'UnavailableError'],
      ],
    );
  });

  it("the caller's deadline during a hedge (both legs running) is a timeout of each backend", async () => {
    const { router, localBackend, offloadBackend } = makeRouter([HELD], [HELD], { 'routing.hedgeMs': 10 });
    const controller = new AbortController();
    const pending = rejection(router.generate(CONTEXT, build, controller.signal));
    await offloadBackend.started(1);
    await localBackend.started(1);
    controller.abort(new TimeoutError('Completion took longer than 4000 ms.'));
    const error = await pending;
    assert.ok(error instanceof TimeoutError, `got ${String(error)}`);
    assert.deepEqual(
      failedAttemptsOf(error)
        .map((attempt) => attempt.backend)
        .sort(),
      ['local', 'offload'],
    );
    assert.equal(interruptedAttemptOf(error), undefined, 'a deadline is a failure, not a cancellation');
    const rows = rowsFor(error, { timedOut: true, aborted: true });
    assert.deepEqual(rows.map((row) => row.backend).sort(), ['local', 'offload'], 'one row per backend: the request and the other leg');
    for (const row of rows) {
      assert.equal(row.outcome, 'error');
      assert.equal(row.errorClass, 'TimeoutError');
    }
    assert.equal(rows[0]?.id, 'req-1');
  });

  it('a cancellation while both hedge legs run is counted for the first choice', async () => {
    const { router, localBackend, offloadBackend } = makeRouter([HELD], [HELD], { 'routing.hedgeMs': 10 });
    const controller = new AbortController();
    const pending = rejection(router.generate(CONTEXT, build, controller.signal));
    await offloadBackend.started(1);
    await localBackend.started(1);
    controller.abort(new Error('Completion was cancelled.'));
    const error = await pending;
    assert.ok(error instanceof CancelledError);
    assert.equal(interruptedAttemptOf(error)?.backend, 'offload');
    assert.deepEqual(
      rowsFor(error, { timedOut: false, aborted: true }).map((row) => [row.backend, row.outcome]),
      [['offload', 'cancelled']],
    );
  });

  it('cancelled while the hedge winner streams: the winner’s, not the stopped loser’s', async () => {
    // Local is started as the hedge and sends its first chunk (it wins; offload is stopped), then waits.
    const { router, localBackend } = makeRouter([{ chunks: ['a', 'b'], delayMs: 30 }], [HELD], { 'routing.hedgeMs': 10 });
    const controller = new AbortController();
    const pending = rejection(
      router.generate(CONTEXT, build, controller.signal, (delta) => {
        if (delta === 'a') controller.abort(new Error('Completion was cancelled.'));
      }),
    );
    const error = await pending;
    assert.equal(localBackend.requests.length, 1);
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.equal(interruptedAttemptOf(error)?.backend, 'local');
  });

  it('cancelled before any attempt began: no backend (before routing)', async () => {
    const { router, offloadBackend } = makeRouter([], []);
    const controller = new AbortController();
    controller.abort(new Error('Completion was cancelled.'));
    const error = await rejection(router.generate(CONTEXT, build, controller.signal));
    assert.ok(error instanceof CancelledError);
    assert.equal(offloadBackend.requests.length, 0);
    assert.equal(interruptedAttemptOf(error), undefined);
    assert.deepEqual(
      rowsFor(error, { timedOut: false, aborted: true }).map((row) => [row.backend, row.outcome]),
      [[null, 'cancelled']],
    );
  });
});
