/**
 * The whole server in-process with `tandem.metrics.prometheusPort` set: an explanation answered
 * by the OpenAI-compatible test server shows on the live /metrics exactly as its recorded row
 * says, and the endpoint closes when the setting goes back to 0.
 */
import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import { parseExposition } from '../support/prometheusText';
import { startInProcessServer, TS_CODE, waitFor, type InProcessServer } from '../support/inProcessServer';

const URI = 'file:///workspace/math.ts';
const WHOLE = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };

/** A port nothing listens on right now (the OS's choice, released again). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function scrape(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
    });
    request.on('error', () => resolve(undefined));
  });
}

describe('server with the live Prometheus endpoint on', () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let port: number;

  before(async () => {
    port = await freePort();
    server = await startInProcessServer((url) => ({
      routing: { policy: 'offload' },
      offload: { url, maxRetries: 0, timeoutMs: 5000 },
      metrics: { prometheusPort: port },
    }));
    client = server.client;
    await client.open(URI, 'typescript', TS_CODE);
  });

  after(async () => {
    await server?.close();
  });

  it('serves an offload explanation as its recorded row says', async () => {
    const result = await client.explain(URI, WHOLE);
    assert.equal(result.backend, 'offload');
    const row = (await client.snapshot()).recent.find((r) => r.task === 'explain');
    assert.ok(row && row.ttftMs !== null && row.e2eMs !== null);
    const text = await waitFor('the explanation on /metrics', async () => {
      const body = await scrape(port);
      return body?.includes('task="explain"') ? body : undefined;
    });
    const parsed = parseExposition(text);
    const labels = { backend: 'offload', task: 'explain', language: 'typescript' };
    assert.equal(parsed.value('tandem_requests_total', { ...labels, outcome: 'answered' }), 1);
    assert.equal(parsed.value('tandem_time_to_first_token_seconds_count', labels), 1);
    assert.ok(Math.abs(parsed.value('tandem_time_to_first_token_seconds_sum', labels) - row.ttftMs / 1000) < 1e-9);
    assert.ok(Math.abs(parsed.value('tandem_e2e_request_latency_seconds_sum', labels) - row.e2eMs / 1000) < 1e-9);
    assert.equal(parsed.value('tandem_prompt_tokens_total', labels), row.promptTokens ?? 0);
    assert.equal(parsed.value('tandem_generation_tokens_total', labels), row.completionTokens ?? 0);
  });

  it('closes the endpoint when the setting goes back to 0', async () => {
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { tandem: { metrics: { prometheusPort: 0 } } },
    });
    await waitFor('the endpoint to close', async () => ((await scrape(port)) === undefined ? true : undefined));
  });
});
