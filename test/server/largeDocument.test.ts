/**
 * A document over tandem.completion.maxFileBytes sent by a client that does not filter it (any
 * editor but VS Code): the server keeps no copy, answers its completions with no items and logs
 * why, and keeps serving the other documents.
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

const BIG = 'file:///workspace/big.ts';
const SMALL = 'file:///workspace/small.ts';

describe('a document over tandem.completion.maxFileBytes', () => {
  let client: TandemLspClient;
  let storage: string;
  const logs: string[] = [];

  before(async () => {
    storage = mkdtempSync(join(tmpdir(), 'tandem-large-'));
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
    client = await TandemLspClient.connect(toClient, toServer, {
      initializationOptions: {
        storagePath: storage,
        settings: { routing: { policy: 'local' }, completion: { maxFileBytes: 4096, debounceMs: 0 } },
      },
      onLog: (line) => logs.push(line),
    });
  });

  after(async () => {
    await client?.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  it('gets no items and a logged reason, and the server keeps answering', async () => {
    await client.open(BIG, 'typescript', 'const x = 1;\n'.repeat(1000));
    await client.change(BIG, 'const y = 2;\n'.repeat(1000));
    assert.deepEqual(await client.complete(BIG, 3, 0).result, []);
    assert.ok(
      logs.some((line) => line.includes(`No completion for ${BIG}: the document is over tandem.completion.maxFileBytes (4096 bytes)`)),
      logs.join('\n'),
    );
    await client.open(SMALL, 'typescript', 'export function add(a: number, b: number): number {\n  return ');
    const status = await client.status();
    assert.equal(status.policy, 'local', 'the server is still serving');
  });
});
