/**
 * Hedged requests end to end, in-process: a real LSP connection over in-memory streams, the real
 * local backend on the bundled model, and the OpenAI-compatible test server on 127.0.0.1 made
 * slow on demand. With `routing.hedgeMs` set, an explanation routed to a slow offload endpoint is
 * answered by the local model started as the hedge, and the records say so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { startInProcessServer, TS_CODE, type InProcessServer } from '../support/inProcessServer';

const URI = 'file:///workspace/hedge.ts';
const CLAMP = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };
const AVERAGE = { start: { line: 4, character: 0 }, end: { line: 10, character: 1 } };

describe('server in-process: hedged requests', { timeout: 120_000 }, () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let offload: FakeOpenAIServer;

  before(async () => {
    server = await startInProcessServer((url) => ({
      // The offload watchdog stays well above anything here: the slow leg must lose to the
      // hedge, not time out on its own.
      routing: { policy: 'auto', hedgeMs: 300 },
      offload: { url, maxRetries: 0, timeoutMs: 120_000 },
      breaker: { failureThreshold: 1, cooldownMs: 600_000 },
      cache: { enabled: false },
    }));
    ({ client, offload } = server);
    await client.open(URI, 'typescript', TS_CODE);
  });

  after(async () => {
    await server?.close();
  });

  it('does not hedge when offload answers in time', async () => {
    const result = await client.explain(URI, CLAMP);
    assert.equal(result.backend, 'offload');
    const row = (await client.snapshot()).recent.find((r) => r.task === 'explain');
    assert.equal(row?.decision, 'auto: explain → offload');
  });

  it('answers from the local model started as a hedge when offload is slow, and stops the offload request', async () => {
    const streamed = offload.generationRequests().filter((r) => r.body?.stream === true).length;
    offload.enqueue({ kind: 'slow-first-byte', delayMs: 60_000 });
    const result = await client.explain(URI, AVERAGE);
    assert.equal(result.backend, 'local');
    assert.ok(result.text.length > 0);
    assert.equal(result.fallbackReason, undefined, 'a hedge win is not a fallback');
    assert.equal(offload.generationRequests().filter((r) => r.body?.stream === true).length, streamed + 1, 'offload was asked first');

    const row = (await client.snapshot()).recent.find((r) => r.task === 'explain' && r.backend === 'local');
    assert.match(row?.decision ?? '', /^auto: explain → offload; hedged after \d+ ms, local won$/);
    assert.equal(row?.outcome, 'answered');
    const status = await client.status();
    const offloadStatus = status.backends.find((b) => b.backend === 'offload');
    assert.equal(offloadStatus?.breaker, 'closed', 'the stopped loser is no failure, even with a threshold of 1');
    assert.equal(offloadStatus?.state, 'ready');
  });
});
