/**
 * Each way an OpenAI-compatible server misbehaves, mapped to the right BackendError, with
 * retries only before the first token, Retry-After honoured, no hang past the timeout and no
 * socket or timer left behind (checked by `withBackend`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HttpError,
  MalformedResponseError,
  RateLimitedError,
  StreamInterruptedError,
  TimeoutError,
  UnavailableError,
} from '../../server/src/backends/backend';
import { WarmingUpError } from '../../server/src/backends/offload/errorMapping';
import { OffloadBackend } from '../../server/src/backends/offload/offloadBackend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { defaultRespond, FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { activeHandles, assertNoLeaks, completionRequest, run, streamedBodies, withBackend } from '../support/offloadHarness';

/** A generous per-test limit: a hang fails the test instead of stalling the suite. */
const LIMIT = { timeout: 15_000 };

describe('OffloadBackend failure mapping', () => {
  it('HTTP 500 → HttpError with the status', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'http-error', status: 500, message: 'boom' });
      await assert.rejects(run(backend, completionRequest()), (error) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.status, 500);
        assert.match(error.message, /boom/);
        return true;
      });
      assert.equal(backend.status().state, 'degraded');
    });
  });

  it('429 → RateLimitedError carrying Retry-After', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'rate-limit', retryAfterSeconds: 0.05 });
      await assert.rejects(run(backend, completionRequest()), (error) => {
        assert.ok(error instanceof RateLimitedError);
        assert.equal(error.retryAfterMs, 50);
        return true;
      });
    });
  });

  it('unknown model → HttpError 404', LIMIT, async () => {
    await withBackend({ config: { model: 'no-such-model' } }, async ({ backend }) => {
      await assert.rejects(run(backend, completionRequest()), (error) => error instanceof HttpError && error.status === 404);
    });
  });

  it('a server without FIM rejects suffix → HttpError 400', LIMIT, async () => {
    await withBackend({ server: { nativeSuffix: false } }, async ({ backend }) => {
      await assert.rejects(
        run(backend, completionRequest({ suffix: '\n' })),
        (error) => error instanceof HttpError && error.status === 400,
      );
    });
  });

  it('slow first byte beyond the timeout → TimeoutError, without waiting for the server', LIMIT, async () => {
    await withBackend({ config: { timeoutMs: 150 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'slow-first-byte', delayMs: 60_000 });
      await assert.rejects(run(backend, completionRequest()), TimeoutError);
    });
  });

  it('a stall mid-stream → StreamInterruptedError with the partial text, never an answer', LIMIT, async () => {
    await withBackend({ config: { timeoutMs: 150 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'stall', afterTokens: 2 });
      await assert.rejects(run(backend, completionRequest()), (error) => {
        assert.ok(error instanceof StreamInterruptedError);
        assert.ok(error.partialText.length > 0);
        assert.ok(error.cause instanceof TimeoutError);
        return true;
      });
    });
  });

  it('malformed SSE → MalformedResponseError', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'malformed', afterTokens: 1 });
      await assert.rejects(run(backend, completionRequest()), MalformedResponseError);
    });
  });

  it('connection reset before the response → UnavailableError', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'reset' });
      await assert.rejects(run(backend, completionRequest()), UnavailableError);
      assert.equal(backend.status().state, 'down');
    });
  });

  it('connection reset mid-stream → StreamInterruptedError', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'reset', afterTokens: 2 });
      await assert.rejects(run(backend, completionRequest()), (error) => {
        assert.ok(error instanceof StreamInterruptedError);
        const answer = defaultRespond({ kind: 'completion', model: server.models[0] ?? '', prompt: completionRequest().prompt });
        assert.equal(error.partialText, answer.slice(0, 8), 'the two 4-character tokens that arrived');
        return true;
      });
    });
  });

  it('a stream that ends without finish_reason → StreamInterruptedError', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'truncate', afterTokens: 2 });
      await assert.rejects(run(backend, completionRequest()), StreamInterruptedError);
    });
  });

  it('an error event mid-stream → StreamInterruptedError', LIMIT, async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'error-event', afterTokens: 2 });
      await assert.rejects(run(backend, completionRequest()), StreamInterruptedError);
    });
  });

  it('503 "Loading model" → WarmingUpError and state warming-up, re-probed until ready', LIMIT, async () => {
    await withBackend({ backend: { reprobeMs: 10 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'loading' });
      await assert.rejects(run(backend, completionRequest()), WarmingUpError);
      assert.equal(backend.status().state, 'warming-up');
      assert.equal(backend.isAvailable('completion'), false);
      const ready = new Promise((resolve) => backend.onDidChangeStatus((status) => status.state === 'ready' && resolve(status)));
      await ready;
      assert.equal(backend.isAvailable('completion'), true);
    });
  });

  it('nothing listening → UnavailableError and state down', LIMIT, async () => {
    const before = activeHandles();
    const closed = await FakeOpenAIServer.start();
    const url = closed.baseUrl;
    await closed.close();
    const backend = new OffloadBackend({ config: { ...DEFAULT_CONFIG.offload, url, model: 'm', maxRetries: 0 } });
    const probe = await backend.probe();
    assert.equal(probe.state, 'down');
    assert.match(probe.detail, /ECONNREFUSED/);
    await assert.rejects(
      run(backend, completionRequest()),
      (error) => error instanceof UnavailableError && /ECONNREFUSED/.test(error.message),
    );
    await backend.dispose();
    assertNoLeaks(before);
  });
});

describe('OffloadBackend retries', () => {
  it('retries a 500 before the first token and succeeds', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 1 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'http-error', status: 500 });
      const { text } = await run(backend, completionRequest());
      assert.ok(text.length > 0);
      assert.equal(streamedBodies(server).length, 2);
      assert.equal(backend.status().state, 'ready');
    });
  });

  it('retries a connection reset before the response', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 2 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'reset' }, { kind: 'reset' });
      const { text } = await run(backend, completionRequest());
      assert.ok(text.length > 0);
      assert.equal(streamedBodies(server).length, 3);
    });
  });

  it('gives up after maxRetries', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 2 } }, async ({ server, backend }) => {
      server.setMode({ kind: 'http-error', status: 502 });
      await assert.rejects(run(backend, completionRequest()), (error) => error instanceof HttpError && error.status === 502);
      assert.equal(streamedBodies(server).length, 3);
    });
  });

  it('never retries once tokens were streamed', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 3 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'reset', afterTokens: 1 });
      await assert.rejects(run(backend, completionRequest()), StreamInterruptedError);
      assert.equal(streamedBodies(server).length, 1);
    });
  });

  it('does not retry client errors (404)', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 3 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'http-error', status: 404 });
      await assert.rejects(run(backend, completionRequest()), HttpError);
      assert.equal(streamedBodies(server).length, 1);
    });
  });

  it('waits the Retry-After the server asked for before retrying a 429', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 1 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'rate-limit', retryAfterSeconds: 0.08 });
      await run(backend, completionRequest());
      const [first, second] = server.generationRequests().filter((r) => r.body?.stream === true);
      assert.ok(first && second);
      // A lower bound only: a sleep cannot end early, however loaded the machine is.
      assert.ok(second.receivedAt - first.receivedAt >= 75, `retried after ${second.receivedAt - first.receivedAt} ms`);
    });
  });

  it('does not wait a Retry-After longer than the request timeout: fails so the router can fall back', LIMIT, async () => {
    await withBackend({ config: { maxRetries: 3, timeoutMs: 500 } }, async ({ server, backend }) => {
      server.enqueue({ kind: 'rate-limit', retryAfterSeconds: 3600 });
      await assert.rejects(
        run(backend, completionRequest()),
        (error) => error instanceof RateLimitedError && error.retryAfterMs === 3_600_000,
      );
      assert.equal(streamedBodies(server).length, 1);
    });
  });
});
