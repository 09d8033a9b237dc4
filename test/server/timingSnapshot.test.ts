/**
 * Issue 11, "Done when": the whole server in-process drives the OpenAI-compatible test server on
 * 127.0.0.1, scripted with a known time to first token (300 ms) and inter-token gap (40 ms,
 * 13 tokens: 12 gaps), and the metrics snapshot's TTFT, TPOT and ITL per task and per backend
 * must come within 15 % of the script (p50 over the requests), for completions and explanations
 * routed to offload; each row must follow the definitions (metrics/definitions.ts) exactly.
 * A completion cancelled while the offload endpoint was still silent, and an explanation whose
 * deadline passed while offload was still streaming, are counted for offload, not dropped.
 *
 * No local model is loaded (its settings point at a missing directory): local never answers
 * instead, and a fallback would fail at once rather than load the bundled model and take the
 * CPU from the timers. The comparisons are of the measured figures with the scripted ones (what
 * the test server waited), not time limits on the code under test.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import type { BackendStats, LatencySummary, MetricsSnapshot, RequestRow, Task } from '../../server/src/protocol';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { startInProcessServer, TS_CODE, waitFor, type InProcessServer } from '../support/inProcessServer';

const FIRST_TOKEN_MS = 300;
const GAP_MS = 40;
const TOKENS = 13;
const TOLERANCE = 0.15;
const COMPLETIONS = 4;
const EXPLANATIONS = 3;
/** Offload's first-token and stall budget is a quarter of it (deadline.ts): 1 s, far above the scripted waits. */
const EXPLAIN_DEADLINE_MS = 4000;
/** A stream this slow never stalls (under the 1 s stall budget) but cannot finish by the deadline. */
const SLOW_GAP_MS = 400;
/** Exactly TOKENS four-character "tokens" (the test server splits answers every 4 characters). */
const ANSWER = Array.from({ length: TOKENS }, (_, i) => `v${String(i).padStart(2, '0')} `).join('');
const WHOLE = { start: { line: 0, character: 0 }, end: { line: 2, character: 1 } };
const MISSING_MODEL = join(tmpdir(), `tandem-timing-no-model-${process.pid}`);

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Number.isFinite(actual), `${what}: no value`);
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= TOLERANCE, `${what}: ${actual.toFixed(1)} ms vs scripted ${expected} ms (${(error * 100).toFixed(1)} % off)`);
}

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} ≠ ${expected}`);
}

/**
 * Each row by the definitions: TPOT = (E2E − TTFT) / (tokens − 1), decode speed its reciprocal,
 * prompt speed = prompt tokens / TTFT, one ITL gap per pair of chunks, the gaps spanning the
 * decode. Single rows are not held to the 15 % (one late timer on a busy machine moves one row).
 */
function checkRow(row: RequestRow): void {
  const what = `${row.task} row ${row.id}`;
  const ttft = row.ttftMs ?? Number.NaN;
  const decodeMs = (row.e2eMs ?? Number.NaN) - ttft;
  assert.equal(row.completionTokens, TOKENS, `${what}: the server's usage`);
  assert.equal(row.tokenSource, 'server');
  close(row.tpotMs, decodeMs / (TOKENS - 1), `${what} TPOT`);
  close(row.decodeTokensPerSecond, (TOKENS - 1) / (decodeMs / 1000), `${what} decode tokens/s`);
  close(row.promptTokensPerSecond, (row.promptTokens ?? Number.NaN) / (ttft / 1000), `${what} prompt tokens/s`);
  assert.equal(row.itl?.count, TOKENS - 1, `${what}: one ITL gap per pair of chunks`);
  assert.ok(row.itl.meanMs * (TOKENS - 1) <= decodeMs + 1e-6, `${what}: the gaps lie within the decode`);
  assert.ok(
    row.itl.p50Ms >= GAP_MS * 0.9 && row.itl.maxMs >= row.itl.p95Ms && row.itl.p95Ms >= row.itl.p50Ms,
    `${what}: ITL ${JSON.stringify(row.itl)}`,
  );
}

function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(middle)] as number) + (sorted[Math.ceil(middle)] as number)) / 2;
}

/** The snapshot's summary: over every request, and within 15 % of the script at p50. */
function checkSummary(summary: LatencySummary | undefined, expected: number, rows: number[], what: string): void {
  assert.ok(summary, `${what}: missing from the snapshot`);
  assert.equal(summary.count, rows.length, `${what}: requests summarized`);
  close(summary.p50, p50(rows), `${what} p50 = the rows' p50`);
  near(summary.p50, expected, `${what} p50`);
}

function stats(list: BackendStats[] | undefined, task: Task | 'all'): BackendStats | undefined {
  return list?.find((entry) => entry.backend === 'offload' && entry.task === task);
}

function describeRow(row: RequestRow): string {
  return `${row.task} ttft ${row.ttftMs?.toFixed(1)} tpot ${row.tpotMs?.toFixed(1)} itl mean ${row.itl?.meanMs.toFixed(1)} p95 ${row.itl?.p95Ms.toFixed(1)} ms`;
}

describe('server in-process: the snapshot tells the scripted timing', { timeout: 120_000 }, () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let offload: FakeOpenAIServer;

  before(async () => {
    server = await startInProcessServer(
      (url) => ({
        routing: { policy: 'offload' },
        offload: { url, maxRetries: 0, timeoutMs: 60_000 },
        completion: { debounceMs: 0, timeoutMs: 10_000 },
        explain: { timeoutMs: EXPLAIN_DEADLINE_MS },
      }),
      // Read at start only: every request reaches the endpoint; no local model to fall back on.
      { cache: { enabled: false }, local: { completionModel: MISSING_MODEL, explainModel: MISSING_MODEL } },
    );
    ({ client, offload } = server);
    offload.configure({ respond: () => ANSWER, firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: GAP_MS });
  });

  after(async () => {
    await server?.close();
  });

  it('TTFT, TPOT and ITL of completions and explanations, per row and per task and backend', async (t) => {
    for (let i = 0; i < COMPLETIONS; i++) {
      // A document each: no typing-along hit, no request superseding another.
      const uri = `file:///workspace/timing${i}.ts`;
      await client.open(uri, 'typescript', TS_CODE);
      const items = await client.complete(uri, 9, 2).result;
      assert.ok(items.length > 0, `completion ${i} answered`);
    }
    const explainUri = 'file:///workspace/explain.ts';
    await client.open(explainUri, 'typescript', TS_CODE);
    for (let i = 0; i < EXPLANATIONS; i++) {
      const result = await client.explain(explainUri, WHOLE);
      assert.equal(result.backend, 'offload');
    }

    const snapshot: MetricsSnapshot = await client.snapshot();
    const generated = snapshot.recent.filter(
      (row) => row.backend === 'offload' && row.cacheTier === 'none' && row.completionTokens !== null,
    );
    for (const row of generated) t.diagnostic(describeRow(row));
    assert.equal(generated.filter((row) => row.task === 'completion').length, COMPLETIONS);
    assert.equal(generated.filter((row) => row.task === 'explain').length, EXPLANATIONS);
    for (const row of generated) checkRow(row);

    for (const task of ['completion', 'explain', 'all'] as const) {
      const entry = task === 'all' ? stats(snapshot.backends, 'all') : stats(snapshot.byTask, task);
      const rows = generated.filter((row) => task === 'all' || row.task === task);
      const what = `offload ${task}`;
      t.diagnostic(
        `${what}: ttft p50 ${entry?.ttftMs?.p50.toFixed(1)} tpot p50 ${entry?.tpotMs?.p50.toFixed(1)} itl p50 ${entry?.itlMs?.p50.toFixed(1)} ms`,
      );
      assert.equal(entry?.requests, rows.length, `${what}: requests`);
      checkSummary(
        entry?.ttftMs,
        FIRST_TOKEN_MS,
        rows.map((row) => row.ttftMs ?? Number.NaN),
        `${what} TTFT`,
      );
      checkSummary(
        entry?.tpotMs,
        GAP_MS,
        rows.map((row) => row.tpotMs ?? Number.NaN),
        `${what} TPOT`,
      );
      checkSummary(
        entry?.itlMs,
        GAP_MS,
        rows.map((row) => row.itl?.meanMs ?? Number.NaN),
        `${what} ITL`,
      );
    }
  });

  it('a completion cancelled while offload was silent is a cancellation of offload', async () => {
    const before = await client.snapshot();
    const streamed = offload.generationRequests().length;
    offload.enqueue({ kind: 'slow-first-byte', delayMs: 60_000 });
    const uri = 'file:///workspace/cancelled.ts';
    await client.open(uri, 'typescript', TS_CODE);
    const request = client.complete(uri, 9, 2);
    // The attempt is running once the request reached the endpoint.
    await waitFor('the offload request', async () => (offload.generationRequests().length > streamed ? true : undefined));
    request.cancel();
    await request.result.catch(() => []);

    const row = await waitFor('the cancelled row', async () =>
      (await client.snapshot()).recent.find((r) => r.task === 'completion' && r.outcome === 'cancelled'),
    );
    assert.equal(row.backend, 'offload');
    assert.equal(row.errorClass, null);
    const snapshot = await client.snapshot();
    assert.equal(stats(snapshot.byTask, 'completion')?.cancelled, (stats(before.byTask, 'completion')?.cancelled ?? 0) + 1);
    assert.equal(stats(snapshot.backends, 'all')?.cancelled, (stats(before.backends, 'all')?.cancelled ?? 0) + 1);
    assert.equal(snapshot.beforeRouting?.cancelled ?? 0, before.beforeRouting?.cancelled ?? 0, 'not counted before routing');
  });

  it('an explanation whose deadline passed while offload was still streaming is a timeout of offload', async () => {
    const before = await client.snapshot();
    offload.configure({ tokenDelayMs: SLOW_GAP_MS });
    try {
      await assert.rejects(client.explain('file:///workspace/explain.ts', WHOLE), /longer than/);
    } finally {
      offload.configure({ tokenDelayMs: GAP_MS });
    }

    const snapshot = await client.snapshot();
    const row = snapshot.recent.find((r) => r.task === 'explain' && r.outcome === 'error');
    assert.equal(row?.backend, 'offload');
    assert.equal(row?.errorClass, 'TimeoutError');
    const entry = stats(snapshot.byTask, 'explain');
    assert.equal(entry?.errors, (stats(before.byTask, 'explain')?.errors ?? 0) + 1);
    assert.equal(entry?.timeouts, (stats(before.byTask, 'explain')?.timeouts ?? 0) + 1);
    assert.equal(snapshot.beforeRouting?.errors ?? 0, before.beforeRouting?.errors ?? 0, 'not counted before routing');
  });
});
