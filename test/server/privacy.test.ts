/**
 * Privacy per file, end to end: the whole server in-process over a real LSP connection, with
 * the OpenAI-compatible test server on 127.0.0.1 as offload under the `offload` policy (so any
 * completion that may leave the machine goes there). An excluded file gets no items and sends
 * nothing; an untitled document is completed by the local model and never reaches offload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessServer, TS_CODE, type InProcessServer } from '../support/inProcessServer';

describe('server in-process: privacy per file', () => {
  let server: InProcessServer;

  before(async () => {
    server = await startInProcessServer((url) => ({
      routing: { policy: 'offload' },
      offload: { url, maxRetries: 0, timeoutMs: 2000 },
      completion: { debounceMs: 0 },
    }));
  });

  after(async () => {
    await server?.close();
  });

  it('a saved source file does go to offload (the control case)', async () => {
    const uri = 'file:///workspace/control.ts';
    await server.client.open(uri, 'typescript', TS_CODE);
    const before = server.offload.generationRequests().length;
    await server.client.complete(uri, 9, 2).result;
    assert.ok(server.offload.generationRequests().length > before, 'the control request reached offload');
  });

  it('an excluded file gets no items and no request reaches offload or any row', async () => {
    const sent = server.offload.generationRequests().length;
    const rows = (await server.client.snapshot({ recent: 1000 })).recent.length;
    for (const uri of ['file:///workspace/.env', 'file:///workspace/keys/server.key', 'file:///workspace/secrets/config.ts']) {
      await server.client.open(uri, 'typescript', TS_CODE);
      const items = await server.client.complete(uri, 9, 2).result;
      assert.deepEqual(items, [], uri);
    }
    assert.equal(server.offload.generationRequests().length, sent, 'nothing was sent to offload');
    assert.equal((await server.client.snapshot({ recent: 1000 })).recent.length, rows, 'no request was recorded');
  });

  it('an untitled document is completed locally only, never offloaded', async () => {
    const uri = 'untitled:Untitled-1';
    await server.client.open(uri, 'typescript', TS_CODE);
    const sent = server.offload.generationRequests().length;
    await server.client.complete(uri, 9, 2).result;
    assert.equal(server.offload.generationRequests().length, sent, 'the untitled text never reached offload');
    const row = (await server.client.snapshot({ recent: 1000 })).recent.find((r) => r.task === 'completion' && r.backend === 'local');
    assert.ok(row, 'the local model answered it');
    assert.match(row.decision, /local/);
  });
});
