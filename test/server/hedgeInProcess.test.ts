/**
 * Hedged requests end to end, in-process: a real LSP connection over in-memory streams, the real
 * local backend on the bundled model, and the OpenAI-compatible test server on 127.0.0.1 made
 * slow on demand. With `routing.hedgeMs` set, an explanation routed to a slow offload endpoint is
 * answered by the local model started as the hedge, and the records say so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TandemLspClient } from '../../server/src/demo/lspClient';
import { startServer } from '../../server/src/lspServer';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';

const CODE = `export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export function average(values: number[]): number {
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return total / values.length;
}
`;
const URI = 'file:///workspace/hedge.ts';
const CLAMP = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };
const AVERAGE = { start: { line: 4, character: 0 }, end: { line: 10, character: 1 } };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('server in-process: hedged requests', { timeout: 120_000 }, () => {
  let offload: FakeOpenAIServer;
  let client: TandemLspClient;
  let storage: string;

  before(async () => {
    offload = await FakeOpenAIServer.start({ flavor: 'vllm' });
    storage = mkdtempSync(join(tmpdir(), 'tandem-hedge-'));
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
    client = await TandemLspClient.connect(toClient, toServer, { initializationOptions: { storagePath: storage } });
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: {
        tandem: {
          // The offload watchdog stays well above anything here: the slow leg must lose to the
          // hedge, not time out on its own.
          routing: { policy: 'auto', hedgeMs: 300 },
          offload: { url: offload.baseUrl, maxRetries: 0, timeoutMs: 120_000 },
          breaker: { failureThreshold: 1, cooldownMs: 600_000 },
          cache: { enabled: false },
        },
      },
    });
    await client.open(URI, 'typescript', CODE);
    await waitFor('offload ready', async () => {
      const status = await client.status();
      return status.backends.find((b) => b.backend === 'offload' && b.state === 'ready');
    });
  });

  after(async () => {
    await client?.stop();
    await offload?.close();
    rmSync(storage, { recursive: true, force: true });
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
