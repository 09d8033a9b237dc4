/**
 * The whole server in-process — real LSP connection over in-memory streams, the real local
 * backend on the bundled models, and a real OpenAI-compatible HTTP server on 127.0.0.1 for
 * offload — exercising routing, fallback and the circuit breaker as the records show them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { startInProcessServer, TS_CODE, type InProcessServer } from '../support/inProcessServer';

const URI = 'file:///workspace/math.ts';
const WHOLE = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };

describe('server in-process: local model + OpenAI-compatible offload', () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let offload: FakeOpenAIServer;

  before(async () => {
    server = await startInProcessServer((url) => ({
      routing: { policy: 'auto' },
      offload: { url, maxRetries: 0, timeoutMs: 2000 },
      breaker: { failureThreshold: 2, cooldownMs: 600000 },
    }));
    ({ client, offload } = server);
    await client.open(URI, 'typescript', TS_CODE);
  });

  after(async () => {
    await server?.close();
  });

  it('auto sends an explanation to offload and records server-reported usage', async () => {
    const result = await client.explain(URI, WHOLE);
    assert.equal(result.backend, 'offload');
    assert.ok(result.text.length > 0);
    assert.equal(result.fallbackReason, undefined);
    const sent = offload
      .generationRequests()
      .filter((r) => r.body?.stream === true)
      .at(-1);
    assert.equal(sent?.path, '/v1/chat/completions');
    assert.match(JSON.stringify(sent?.body?.messages), /Math\.min\(high/, 'the selected code reached the endpoint');
    const row = (await client.snapshot()).recent.find((r) => r.task === 'explain' && r.backend === 'offload');
    assert.equal(row?.tokenSource, 'server');
    assert.ok((row?.completionTokens ?? 0) > 0);
  });

  it('a single-line completion stays on the local model under auto', async () => {
    await client.complete(URI, 9, 2).result;
    const row = (await client.snapshot()).recent.find((r) => r.task === 'completion' && r.outcome !== 'cancelled');
    assert.ok(row);
    assert.match(row.decision, /single-line → local/);
  });

  it('falls back to local when offload fails, and the record says why', async () => {
    offload.enqueue({ kind: 'http-error', status: 500, message: 'boom' });
    const result = await client.explain(URI, { start: { line: 4, character: 0 }, end: { line: 10, character: 1 } });
    assert.equal(result.backend, 'local');
    assert.match(result.fallbackReason ?? '', /offload/);
    const row = (await client.snapshot()).recent.find((r) => r.task === 'explain' && r.backend === 'local');
    assert.match(row?.fallbackReason ?? '', /offload/);
    assert.equal((await client.status()).lastFallbackReason, result.fallbackReason);
  });

  it('opens the breaker after repeated failures and stops sending code to the failing endpoint', async () => {
    offload.enqueue({ kind: 'reset' });
    await client.explain(URI, { start: { line: 5, character: 0 }, end: { line: 9, character: 3 } });
    const status = await client.status();
    assert.equal(status.backends.find((b) => b.backend === 'offload')?.breaker, 'open');
    const sent = offload.generationRequests().length;
    const result = await client.explain(URI, { start: { line: 6, character: 0 }, end: { line: 8, character: 3 } });
    assert.equal(result.backend, 'local');
    assert.equal(offload.generationRequests().length, sent, 'no request while the breaker is open');
  });
});
