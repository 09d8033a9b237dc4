/**
 * `tandem/metrics/didChange` is a signal, not a snapshot: after a completion is recorded the
 * server sends `{ generatedAt, changes }` only, so no statistics are computed for a view that is
 * not open. (The whole server in-process over a real LSP connection, offload on 127.0.0.1.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Methods, type MetricsDidChangeParams } from '../../server/src/protocol';
import { startInProcessServer, waitFor, type InProcessServer } from '../support/inProcessServer';

describe('server in-process: the metrics change signal', () => {
  let server: InProcessServer;
  const received: unknown[] = [];

  before(async () => {
    server = await startInProcessServer((url) => ({
      routing: { policy: 'offload' },
      offload: { url, maxRetries: 0, timeoutMs: 2000 },
      completion: { debounceMs: 0 },
    }));
    server.client.connection.onNotification(Methods.metricsDidChange, (params: unknown) => {
      received.push(params);
    });
    await server.client.open('file:///workspace/a.ts', 'typescript', 'const answer = ');
  });

  after(async () => {
    await server?.close();
  });

  it('carries only when it was sent and how many changes it stands for', async () => {
    await server.client.complete('file:///workspace/a.ts', 0, 15).result;
    const signal = (await waitFor('a metrics signal', async () => received.at(-1))) as MetricsDidChangeParams;
    assert.deepEqual(Object.keys(signal).sort(), ['changes', 'generatedAt']);
    assert.ok(signal.changes >= 1);
    assert.equal(typeof signal.generatedAt, 'number');
    // What the panel fetches instead: the snapshot with its own filters.
    const snapshot = await server.client.snapshot({ recent: 10 });
    assert.equal(
      snapshot.recent.some((row) => row.task === 'completion'),
      true,
    );
  });
});
