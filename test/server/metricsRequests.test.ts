/**
 * The panel's export and reset requests over a real LSP connection: `tandem/metrics/rows`
 * returns the window's rows (with `limit`, the newest only), `tandem/metrics/reset` refuses without `{ confirm: true }` and
 * otherwise deletes every row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { Methods, type RequestRow, type ServerStatus } from '../../server/src/protocol';
import { startInProcessServer, TS_CODE, type InProcessServer } from '../support/inProcessServer';

const URI = 'file:///workspace/math.ts';
const WHOLE = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };

describe('metrics rows and reset requests', () => {
  let server: InProcessServer;
  before(async () => {
    server = await startInProcessServer((url) => ({ routing: { policy: 'offload' }, offload: { url, maxRetries: 0 } }));
    await server.client.open(URI, 'typescript', TS_CODE);
    await server.client.explain(URI, WHOLE);
  });
  after(async () => {
    await server?.close();
  });

  const rows = (params: object = {}) => server.client.connection.sendRequest<RequestRow[]>(Methods.metricsRows, params);

  it('exports the rows of the window, with the filters applied', async () => {
    const all = await rows();
    assert.ok(
      all.some((row) => row.task === 'explain' && row.backend === 'offload'),
      JSON.stringify(all),
    );
    assert.deepEqual(await rows({ task: 'completion', backend: 'offload' }), []);
  });

  it("returns only the newest rows with a limit (the panel's charts), and refuses a bad limit", async () => {
    await server.client.explain(URI, { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } });
    const all = await rows();
    assert.ok(all.length >= 2, JSON.stringify(all));
    assert.deepEqual(await rows({ limit: 1 }), all.slice(-1));
    assert.deepEqual(await rows({ limit: all.length + 5 }), all);
    for (const limit of [-1, 1.5, '10']) {
      await assert.rejects(rows({ limit }), (error: unknown) => {
        assert.ok(error instanceof ResponseError, String(error));
        assert.equal(error.code, ErrorCodes.InvalidParams);
        assert.match(error.message, /limit must be a whole number/);
        return true;
      });
    }
  });

  it('reports learned auto routing in the status, here not in use (policy offload)', async () => {
    const status = await server.client.connection.sendRequest<ServerStatus>(Methods.status);
    assert.deepEqual(status.learned, { use: 'policy', objective: 'balanced', buckets: [] });
  });

  it('refuses a reset without confirm: true, and deletes nothing', async () => {
    for (const params of [undefined, {}, { confirm: 'yes' }]) {
      await assert.rejects(server.client.connection.sendRequest(Methods.metricsReset, params), (error: unknown) => {
        assert.ok(error instanceof ResponseError, String(error));
        assert.equal(error.code, ErrorCodes.InvalidParams);
        return true;
      });
    }
    assert.ok((await rows()).length > 0);
  });

  it('resets with confirm: true and says how many rows it deleted', async () => {
    const before = (await rows()).length;
    const reply = await server.client.connection.sendRequest<{ deleted: number }>(Methods.metricsReset, { confirm: true });
    assert.equal(reply.deleted, before);
    assert.deepEqual(await rows(), []);
    assert.deepEqual((await server.client.snapshot()).backends, []);
  });
});
