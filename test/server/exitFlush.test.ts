/**
 * Queued metrics rows survive every way the server process ends. A real child process (the
 * server from its sources, over stdio, with the OpenAI-compatible test server on 127.0.0.1 as
 * offload) answers a burst of 200 completions from its cache, each of which records a row; the
 * test then ends it without waiting — stdin closed without shutdown (a crashed client), `exit`
 * without `shutdown`, SIGTERM, SIGINT, or the polite shutdown + exit — and counts the rows in
 * metrics.db. The rows are written 250 ms after they are recorded, so without a flush on the way
 * out the last ones of the burst are lost.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitNotification } from 'vscode-languageserver-protocol/node';
import { TandemLspClient } from '../../server/src/demo/lspClient';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { TS_CODE, waitFor } from '../support/inProcessServer';
import { ROOT } from '../support/serverHarness';
import { countRows } from '../support/sqliteRows';

const SERVER_SOURCE = join(ROOT, 'server/src/server.ts');
const URI = 'file:///workspace/math.ts';
const BURST = 200;

type WayOut = (client: TandemLspClient) => Promise<unknown> | void;

const WAYS_OUT: Array<[string, WayOut]> = [
  ['stdin closed without shutdown (the client crashed)', (client) => void client.process!.stdin!.end()],
  ['exit without shutdown', (client) => client.connection.sendNotification(ExitNotification.type)],
  ['SIGTERM', (client) => void client.process!.kill('SIGTERM')],
  ['SIGINT', (client) => void client.process!.kill('SIGINT')],
  ['shutdown + exit', (client) => client.stop()],
];

describe('queued metrics rows are written on every way out', { timeout: 240_000 }, () => {
  let offload: FakeOpenAIServer;
  const root = mkdtempSync(join(tmpdir(), 'tandem-exit-'));
  before(async () => {
    offload = await FakeOpenAIServer.start({ flavor: 'vllm' });
  });
  after(async () => {
    await offload?.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const [name, wayOut] of WAYS_OUT) {
    it(`${name}: all ${BURST + 1} rows are in metrics.db`, async () => {
      const storage = mkdtempSync(join(root, 'storage-'));
      const client = await startServer(storage, offload.baseUrl);
      const exited = once(client.process!, 'exit');
      await client.open(URI, 'typescript', TS_CODE);
      await waitFor('offload ready', async () => {
        const status = await client.status();
        return status.backends.find((b) => b.backend === 'offload' && b.state === 'ready');
      });
      // One generated answer, then a burst answered from the cache: one row per request.
      await client.complete(URI, 6, 0).result;
      await Promise.all(Array.from({ length: BURST }, () => client.complete(URI, 6, 0).result));
      await wayOut(client);
      await exited;
      client.connection.dispose();
      assert.equal(countRows(join(storage, 'metrics.db'), 'requests'), BURST + 1);
    });
  }
});

/** The server from its sources (tsx), so this test needs no build. */
async function startServer(storage: string, offloadUrl: string): Promise<TandemLspClient> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SOURCE, '--stdio'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TANDEM_OFFLOAD_API_KEY: '' },
  });
  child.stderr.resume();
  return TandemLspClient.connect(
    child.stdout,
    child.stdin,
    {
      initializationOptions: {
        storagePath: storage,
        settings: {
          routing: { policy: 'offload' },
          offload: { url: offloadUrl, maxRetries: 0 },
          // No model to load: the local backend is not used here, and loading one costs seconds.
          local: { completionModel: join(storage, 'no-model') },
        },
      },
    },
    child,
  );
}
