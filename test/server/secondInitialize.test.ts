/**
 * A second `initialize` must not build a second runtime next to the first (its models and
 * database handles were never disposed): it is refused with InvalidRequest, and the first
 * runtime keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, InitializeRequest, ResponseError } from 'vscode-languageserver-protocol/node';
import { startInProcessServer, type InProcessServer } from '../support/inProcessServer';

describe('a second initialize', () => {
  let server: InProcessServer;
  before(async () => {
    server = await startInProcessServer((url) => ({ routing: { policy: 'offload' }, offload: { url } }));
  });
  after(async () => {
    await server?.close();
  });

  it('is refused with InvalidRequest "Tandem is already initialized"', async () => {
    const second = server.client.connection.sendRequest(InitializeRequest.type, {
      // null: with a process id, vscode-languageserver starts a parent watchdog interval it never
      // clears, which would keep the server layer's test process alive after its last test.
      processId: null,
      rootUri: null,
      capabilities: {},
      initializationOptions: {},
    });
    await assert.rejects(second, (error: unknown) => {
      assert.ok(error instanceof ResponseError, String(error));
      assert.equal(error.code, ErrorCodes.InvalidRequest);
      assert.equal(error.message, 'Tandem is already initialized');
      return true;
    });
  });

  it('leaves the first runtime serving, with its settings', async () => {
    const status = await server.client.status();
    assert.equal(status.policy, 'offload', 'the runtime configured before is still the one answering');
    assert.ok(status.backends.some((backend) => backend.backend === 'offload' && backend.state === 'ready'));
  });
});
