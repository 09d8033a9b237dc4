/**
 * An endpoint that answers 401 with the request's own headers in the body (some proxies and
 * debug servers do) must not carry the API key into Tandem's log, metrics rows, status or
 * explain badge. The whole server runs in-process (real LSP connection, offload backend, router,
 * recorder and SQLite files); the echo server is a plain node:http server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TandemLspClient } from '../../server/src/demo/lspClient';
import { startServer } from '../../server/src/lspServer';
import { TS_CODE, waitFor } from '../support/inProcessServer';

const KEY = 'tk-echo-5d41402abc4b2a76b9719d911017c592';
const URI = 'file:///workspace/math.ts';
const WHOLE = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };

/** Lists one model; every generation request gets 401 with the request headers, as JSON and raw. */
function startEchoServer(): Promise<{ server: Server; url: string; echoed: string[] }> {
  const echoed: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'echo-model', object: 'model' }] }));
        return;
      }
      const rawHeaders = Object.entries(request.headers)
        .map(([name, value]) => `${name}: ${String(value)}`)
        .join('\n');
      const body = JSON.stringify({
        error: { message: `Unauthorized. You sent ${JSON.stringify(request.headers)}\n${rawHeaders}\nkey=${KEY}`, type: 'auth' },
      });
      echoed.push(body);
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/v1`, echoed });
    });
  });
}

describe('an endpoint that echoes the API key in its 401', () => {
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let client: TandemLspClient;
  let storage: string;
  let stopped = false;
  const logs: string[] = [];
  const previousKey = process.env.TANDEM_OFFLOAD_API_KEY;

  before(async () => {
    echo = await startEchoServer();
    storage = mkdtempSync(join(tmpdir(), 'tandem-echo-'));
    process.env.TANDEM_OFFLOAD_API_KEY = KEY;
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
    client = await TandemLspClient.connect(toClient, toServer, {
      initializationOptions: { storagePath: storage },
      onLog: (line) => logs.push(line),
    });
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: {
        tandem: {
          routing: { policy: 'offload' },
          offload: { url: echo.url, maxRetries: 0, timeoutMs: 5000 },
          breaker: { failureThreshold: 50 },
        },
      },
    });
    await waitFor('the offload probe', async () => {
      const status = await client.status();
      return status.backends.find((b) => b.backend === 'offload' && b.model === 'echo-model' && b.state !== 'disabled');
    });
    await client.open(URI, 'typescript', TS_CODE);
  });

  after(async () => {
    if (previousKey === undefined) delete process.env.TANDEM_OFFLOAD_API_KEY;
    else process.env.TANDEM_OFFLOAD_API_KEY = previousKey;
    if (!stopped) await client?.stop();
    await new Promise((resolve) => echo?.server.close(resolve));
    rmSync(storage, { recursive: true, force: true });
  });

  it('sends the key to the endpoint, which echoes it back (so the checks below can fail)', async () => {
    const explained = await client.explain(URI, WHOLE);
    await client.complete(URI, 9, 2).result;
    await client.explain(URI, { start: { line: 4, character: 0 }, end: { line: 10, character: 1 } });
    assert.ok(echo.echoed.length >= 2, `the endpoint answered ${echo.echoed.length} generation requests`);
    assert.ok(
      echo.echoed.every((body) => body.includes(`Bearer ${KEY}`)),
      'each 401 echoes the Authorization header',
    );
    assert.equal(explained.backend, 'local', 'offload failed and the local model answered');
    assert.match(explained.fallbackReason ?? '', /401/);
    assert.ok(!explained.fallbackReason?.includes(KEY), `explain badge: ${explained.fallbackReason}`);
  });

  it('keeps the key out of every log line', () => {
    assert.ok(
      logs.some((line) => /401/.test(line)),
      `the failures were logged:\n${logs.join('\n')}`,
    );
    const leaking = logs.filter((line) => line.includes(KEY) || /Bearer (?!\[redacted\])/.test(line));
    assert.deepEqual(leaking, []);
  });

  it('keeps the key out of the metrics rows and the status', async () => {
    const snapshot = await client.snapshot({ recent: 100 });
    const failed = snapshot.recent.filter((row) => row.fallbackReason !== null || row.errorClass !== null);
    assert.ok(failed.length >= 2, `rows with a reason: ${failed.length}`);
    assert.ok(
      failed.some((row) => /401/.test(`${row.fallbackReason} ${row.errorClass}`)),
      'a row says what happened',
    );
    assert.ok(!JSON.stringify(snapshot).includes(KEY), 'no row carries the key');
    const status = await client.status();
    assert.ok(!JSON.stringify(status).includes(KEY), `status: ${JSON.stringify(status)}`);
    assert.ok(!JSON.stringify(client.lastStatus ?? {}).includes(KEY), 'the pushed status neither');
  });

  it('keeps the key out of the database files once they are written', async () => {
    await client.stop();
    stopped = true;
    for (const file of readdirSync(storage)) {
      const bytes = readFileSync(join(storage, file));
      assert.equal(bytes.includes(KEY), false, `${file} contains the key`);
    }
  });
});
