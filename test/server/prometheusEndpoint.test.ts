/**
 * The live Prometheus endpoint over real HTTP on 127.0.0.1, fed by a real metrics recorder
 * (onDidRecord → PromLiveFeed, as runtime.ts wires it): scraped, parsed with a third-party
 * Prometheus parser, and checked against the recorded rows; counters never go down; the
 * endpoint listens on loopback only and survives a port in use; `tandem report --prometheus`
 * prints the same samples for the same rows.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Logger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { renderPrometheus } from '../../server/src/metrics/prometheus';
import { isLoopbackHost, PrometheusEndpoint } from '../../server/src/metrics/prometheusEndpoint';
import { PromLiveFeed } from '../../server/src/metrics/promLiveFeed';
import { TandemPromMetrics } from '../../server/src/metrics/promRegistry';
import type { SqliteMetricsRecorder } from '../../server/src/metrics/recorder';
import type { RequestRow } from '../../server/src/protocol';
import { testMetricsConfig } from '../support/metricsConfig';
import { parseExposition } from '../support/prometheusText';
import { cancelledBeforeRoutingRow, requestRow } from '../support/requestRow';

interface Scrape {
  status: number;
  contentType: string | undefined;
  body: string;
}

function get(port: number, path: string, host?: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: host ? { host } : {}, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    info: () => undefined,
    warn: (message: string) => warnings.push(message),
    error: (message: string) => warnings.push(`error: ${message}`),
    debug: () => undefined,
  } as unknown as Logger & { warnings: string[] };
}

const itl = (meanMs: number) => ({ count: 3, meanMs, p50Ms: meanMs, p95Ms: meanMs, maxMs: meanMs });
const now = Date.now();

/** Recent enough for the default retention; local completions, offload explanations, a cache hit. */
function sessionRows(): RequestRow[] {
  return [
    requestRow({
      id: 'c1',
      ts: now - 5000,
      ttftMs: 30,
      e2eMs: 150,
      tpotMs: 8,
      itl: itl(9),
      promptTokens: 120,
      completionTokens: 16,
      costUsd: 0.0001,
    }),
    requestRow({
      id: 'c2',
      ts: now - 4000,
      ttftMs: 70,
      e2eMs: 400,
      tpotMs: 11,
      itl: itl(12),
      promptTokens: 300,
      completionTokens: 31,
      costUsd: 0.0002,
    }),
    requestRow({ id: 'c3', ts: now - 3000, cacheTier: 'l2', ttftMs: 2, e2eMs: 2, costUsd: 0 }),
    requestRow({
      id: 'e1',
      ts: now - 2000,
      task: 'explain',
      backend: 'offload',
      model: 'codellama',
      outcome: 'answered',
      ttftMs: 250,
      e2eMs: 1800,
      tpotMs: 14,
      itl: itl(15),
      promptTokens: 900,
      completionTokens: 110,
      costUsd: 0.004,
    }),
    cancelledBeforeRoutingRow({ id: 'x1', ts: now - 1000, costUsd: 0 }),
  ];
}
const LOCAL = { backend: 'local', model: 'bundled', task: 'completion', language: 'typescript' };

describe('live Prometheus endpoint', () => {
  let recorder: SqliteMetricsRecorder;
  let endpoint: PrometheusEndpoint;
  let log: ReturnType<typeof recordingLog>;
  const blockers: Server[] = [];

  beforeEach(async () => {
    log = recordingLog();
    recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: testMetricsConfig(),
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log,
    });
    const metrics = new TandemPromMetrics({ memory: () => process.memoryUsage() });
    recorder.onDidRecord(new PromLiveFeed(metrics));
    endpoint = new PrometheusEndpoint(metrics, log);
    await endpoint.configure(0, { anyPort: true });
  });

  afterEach(async () => {
    await endpoint.close();
    recorder.close();
  });

  after(async () => {
    await Promise.all(blockers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function scrape() {
    const port = endpoint.listeningPort;
    assert.ok(port, 'the endpoint listens');
    const response = await get(port, '/metrics');
    assert.equal(response.status, 200);
    return { ...response, parsed: parseExposition(response.body) };
  }

  it('serves the recorded rows: histogram counts and sums, counters, memory gauges', async () => {
    for (const row of sessionRows()) recorder.record(row);
    const { contentType, parsed } = await scrape();
    assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(parsed.value('tandem_time_to_first_token_seconds_count', LOCAL), 2, 'the cache hit is no sample');
    assert.ok(Math.abs(parsed.value('tandem_time_to_first_token_seconds_sum', LOCAL) - 0.1) < 1e-9);
    assert.ok(Math.abs(parsed.value('tandem_e2e_request_latency_seconds_sum', { backend: 'offload' }) - 1.8) < 1e-9);
    assert.ok(Math.abs(parsed.value('tandem_time_per_output_token_seconds_sum', LOCAL) - 0.019) < 1e-9);
    assert.equal(parsed.value('tandem_inter_token_latency_seconds_count'), 3);
    assert.equal(parsed.value('tandem_requests_total', { ...LOCAL, outcome: 'returned' }), 3);
    assert.equal(parsed.value('tandem_requests_total', { backend: 'none', outcome: 'cancelled' }), 1);
    assert.equal(parsed.value('tandem_cache_lookups_total', { ...LOCAL, tier: 'l2', result: 'hit' }), 1);
    assert.equal(parsed.value('tandem_prompt_tokens_total', LOCAL), 420);
    assert.equal(parsed.value('tandem_generation_tokens_total', { backend: 'offload' }), 110);
    assert.ok(Math.abs(parsed.value('tandem_cost_usd_total') - 0.0043) < 1e-12);
    assert.ok(parsed.value('tandem_process_resident_memory_bytes') > 0);
    assert.ok(parsed.value('tandem_process_heap_used_bytes') > 0);
  });

  it('adds accepts as they arrive, each row once, characters as they grow', async () => {
    for (const row of sessionRows()) recorder.record(row);
    recorder.update('c1', { outcome: 'partial', acceptedChars: 4 });
    recorder.update('c1', { outcome: 'accepted', acceptedChars: 11 });
    recorder.update('c2', { outcome: 'rejected' });
    recorder.update('unknown', { outcome: 'accepted', acceptedChars: 99 });
    const { parsed } = await scrape();
    assert.equal(parsed.value('tandem_completions_accepted_total', LOCAL), 1);
    assert.equal(parsed.value('tandem_completions_accepted_chars_total', LOCAL), 11);
    assert.equal(parsed.value('tandem_requests_total', { ...LOCAL, outcome: 'returned' }), 3, 'an accept is no new request');
  });

  it('agrees with tandem report --prometheus on the same rows', async () => {
    for (const row of sessionRows()) recorder.record(row);
    recorder.update('c1', { outcome: 'partial', acceptedChars: 4 });
    recorder.update('c1', { outcome: 'accepted', acceptedChars: 11 });
    const live = (await scrape()).parsed;
    // What reportMain prints: the same families, fed with the database's rows.
    const report = parseExposition(await renderPrometheus(recorder.rows({ sinceMs: 0 })));
    const names = [...report.families.keys()];
    assert.deepEqual(
      names,
      [...live.families.keys()].filter((name) => !name.startsWith('tandem_process_')),
    );
    let compared = 0;
    for (const name of names) {
      const suffixes = report.families.get(name)?.type === 'HISTOGRAM' ? ['_bucket', '_sum', '_count'] : [''];
      for (const suffix of suffixes) {
        const fromReport = report.series(name + suffix);
        const fromLive = live.series(name + suffix);
        assert.equal(fromReport.length, fromLive.length, `${name}${suffix}: same series`);
        for (const sample of fromReport) {
          assert.ok(
            Math.abs(live.value(name + suffix, sample.labels) - sample.value) < 1e-12,
            `${name}${suffix} ${JSON.stringify(sample.labels)}`,
          );
          compared++;
        }
      }
    }
    assert.ok(compared > 100, `${compared} samples compared`);
  });

  it('keeps counters after the rows are reset, and counts on from there', async () => {
    for (const row of sessionRows()) recorder.record(row);
    const before = (await scrape()).parsed;
    assert.equal(recorder.reset(), 5);
    assert.equal(recorder.rows({ sinceMs: 0 }).length, 0);
    const afterReset = (await scrape()).parsed;
    assert.equal(afterReset.value('tandem_requests_total'), before.value('tandem_requests_total'));
    assert.equal(afterReset.value('tandem_prompt_tokens_total'), before.value('tandem_prompt_tokens_total'));
    recorder.record(requestRow({ id: 'c4', ts: Date.now(), promptTokens: 10, completionTokens: 2 }));
    const later = (await scrape()).parsed;
    assert.equal(later.value('tandem_requests_total'), before.value('tandem_requests_total') + 1);
    assert.equal(later.value('tandem_time_to_first_token_seconds_count'), before.value('tandem_time_to_first_token_seconds_count') + 1);
  });

  it('answers only GET /metrics, only to loopback host names, only on 127.0.0.1', async () => {
    const port = endpoint.listeningPort;
    assert.ok(port);
    assert.equal((await get(port, '/')).status, 404);
    assert.equal((await get(port, '/metrics/extra')).status, 404);
    assert.equal((await get(port, '/metrics?x=1')).status, 200);
    assert.equal((await get(port, '/metrics', `localhost:${port}`)).status, 200);
    assert.equal((await get(port, '/metrics', 'attacker.example')).status, 403, 'DNS rebinding is refused');
    assert.ok(isLoopbackHost('[::1]:9464'));
    assert.ok(!isLoopbackHost('127.0.0.1.attacker.example'));
    const bound = await new Promise<string>((resolve) => {
      // The server's own address: what it accepted connections on.
      const probe = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (response) => {
        resolve(response.socket.localAddress ?? '');
        response.resume();
      });
      probe.end();
    });
    assert.equal(bound, '127.0.0.1');
  });

  it('warns once when the port is in use, keeps running, and starts when the setting changes', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    await endpoint.configure(taken);
    assert.equal(endpoint.listeningPort, undefined);
    const warnings = log.warnings.filter((line) => line.includes(`port ${taken}`));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /in use/);
    await endpoint.configure(taken);
    assert.equal(log.warnings.filter((line) => line.includes(`port ${taken}`)).length, 1, 'the same setting warns once');
    await endpoint.configure(0, { anyPort: true });
    assert.ok(endpoint.listeningPort);
    assert.equal((await get(endpoint.listeningPort, '/metrics')).status, 200);
  });

  it('moves when the port changes and stops at 0', async () => {
    const first = endpoint.listeningPort;
    assert.ok(first);
    await endpoint.configure(0, { anyPort: true });
    const second = endpoint.listeningPort;
    assert.ok(second && second !== first);
    await assert.rejects(get(first, '/metrics'), /ECONNREFUSED/);
    await endpoint.configure(0);
    assert.equal(endpoint.listeningPort, undefined);
    await assert.rejects(get(second, '/metrics'), /ECONNREFUSED/);
  });
});
