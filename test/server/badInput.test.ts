/**
 * Bad input never kills the server or freezes it: each case gets an empty result or a clear
 * error, the server keeps answering, and memory returns near its baseline after a storm of
 * overlapping, cancelled requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InlineCompletionRequest } from 'vscode-languageserver-protocol/node';
import { Methods } from '../../server/src/protocol';
import { fileUri, rssMiB, startServer, type Harness } from '../support/serverHarness';

const SMALL = 'function add(a: number, b: number): number {\n  return a + b;\n}\n';

async function stillAlive(server: Harness): Promise<void> {
  const status = await server.client.status();
  assert.ok(status.backends.length > 0, 'server still answers');
}

describe('bad input over stdio', () => {
  let server: Harness;
  before(async () => {
    server = await startServer({ routing: { policy: 'local' }, completion: { debounceMs: 0 } });
    await server.client.open(fileUri('add.ts'), 'typescript', SMALL);
  });
  after(async () => {
    await server?.close();
  });

  it('a position outside the document gives an empty result', async () => {
    assert.deepEqual(await server.client.complete(fileUri('add.ts'), 500, 3).result, []);
    assert.deepEqual(await server.client.complete(fileUri('add.ts'), 0, 10_000).result, []);
    await stillAlive(server);
  });

  it('an unknown document gives an empty result', async () => {
    assert.deepEqual(await server.client.complete(fileUri('nope.ts'), 0, 0).result, []);
    await stillAlive(server);
  });

  it('malformed params give an error or an empty result, never a crash', async () => {
    const reply = await server.client.connection
      .sendRequest(InlineCompletionRequest.method, { textDocument: { uri: 42 }, position: 'here' })
      .then(
        (value) => ({ value }),
        (error: Error) => ({ error }),
      );
    if ('value' in reply) assert.ok(reply.value === null || (reply.value as { items: unknown[] }).items.length === 0);
    const explain = await server.client.connection.sendRequest(Methods.explain, { nonsense: true }).then(
      () => undefined,
      (error: Error) => error,
    );
    assert.ok(explain instanceof Error);
    assert.match(explain.message, /not open|invalid|document/i);
    await stillAlive(server);
  });

  it('an empty selection gets a clear explain error', async () => {
    const error = await server.client.explain(fileUri('add.ts'), { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(error instanceof Error);
    assert.match(error.message, /select|empty/i);
  });

  it('a 10 MB document and binary content are handled without hanging', async () => {
    const line = 'const value = compute(alpha, beta, gamma); // filler line for a huge file\n';
    const huge = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    await server.client.open(fileUri('huge.ts'), 'typescript', huge);
    const items = await server.client.complete(fileUri('huge.ts'), 70_000, 10).result;
    assert.ok(Array.isArray(items));
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)).toString('latin1');
    await server.client.open(fileUri('blob.ts'), 'typescript', binary);
    assert.deepEqual(await server.client.complete(fileUri('blob.ts'), 0, 100).result, []);
    await stillAlive(server);
  });

  it('invalid settings are rejected field by field and the server keeps working', async () => {
    await server.client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { tandem: { routing: { policy: 'sideways' }, completion: { maxTokens: -5, timeoutMs: 'soon' } } },
    });
    const status = await server.client.status();
    assert.equal(status.policy, 'local');
    assert.ok(
      server.logs.some((l) => /tandem\.routing\.policy/.test(l)),
      'the rejected setting is named in the log',
    );
  });

  it('200 overlapping requests with cancellations all settle and memory returns near baseline', async () => {
    const uri = fileUri('add.ts');
    await server.client.complete(uri, 1, 2).result; // warm: model loaded, caches primed
    const pid = server.client.process!.pid!;
    const baseline = rssMiB(pid);
    const pending = [];
    for (let i = 0; i < 200; i++) {
      const request = server.client.complete(uri, i % 3, i % 10);
      if (i % 4 !== 3) request.cancel();
      pending.push(
        request.result.then(
          () => 'ok',
          () => 'cancelled',
        ),
      );
    }
    const outcomes = await Promise.all(pending);
    assert.equal(outcomes.length, 200);
    await stillAlive(server);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const grown = rssMiB(pid) - baseline;
    assert.ok(grown < 150, `server RSS grew by ${grown.toFixed(0)} MiB after the storm`);
  });
});
