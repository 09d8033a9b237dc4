/**
 * Issue 10, "Deadlines that fall back": an offload endpoint that accepts the request, sends the
 * response headers and then nothing (a GPU box under load, a cold container), under the shipped
 * routing policy `auto` and an offload timeout longer than the completion deadline.
 *
 * Real pieces: the completion / explain services, the Router, the OffloadBackend and an HTTP
 * server on 127.0.0.1. The local model is scripted (it answers at once), so what is measured is
 * the routing: every multi-line completion must still be answered, by local, within the deadline;
 * the failed offload attempts must be recorded as offload rows with a timeout class; the breaker
 * must open after `breaker.failureThreshold` of them; and every local answer that replaced
 * offload must count as a fallback. The figures (answered / empty, fallback latency p50/p95,
 * breaker state) are printed as test diagnostics.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { OffloadBackend } from '../../server/src/backends/offload/offloadBackend';
import { ExplainService } from '../../server/src/explain/explainService';
import { memoryLogger } from '../../server/src/logger';
import { percentile } from '../../server/src/metrics/percentiles';
import { Router } from '../../server/src/routing/router';
import { ScriptedBackend } from '../support/fakeBackend';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { activeHandles, assertNoLeaks } from '../support/offloadHarness';
import { completionServiceUnderTest } from '../unit/completionServiceUnderTest';
import { FakeCache, FakeMetrics, testConfig } from '../unit/serviceFakes';

/** A hang fails the test instead of stalling the suite. */
const LIMIT = { timeout: 60_000 };
const REQUESTS = 6;
const THRESHOLD = 3;
/** The shipped offload timeout (15 s) is far longer than this completion deadline. */
const COMPLETION_DEADLINE_MS = 1500;

async function withStalledOffload(
  settings: Record<string, unknown>,
  body: (parts: {
    router: Router;
    server: FakeOpenAIServer;
    local: ScriptedBackend;
    metrics: FakeMetrics;
    config: ReturnType<typeof testConfig>;
  }) => Promise<void>,
): Promise<void> {
  const before = activeHandles();
  const server = await FakeOpenAIServer.start({ flavor: 'vllm' });
  const config = testConfig({
    'routing.policy': 'auto',
    'breaker.failureThreshold': THRESHOLD,
    'breaker.cooldownMs': 3_600_000,
    'offload.url': server.baseUrl,
    'offload.maxRetries': 0,
    ...settings,
  });
  const offload = new OffloadBackend({ config: config.offload });
  const local = new ScriptedBackend(
    'local',
    Array.from({ length: 20 }, () => ({ chunks: ['return x + 1\n'] })),
  );
  const router = new Router({ local, offload, config: () => config, log: memoryLogger() });
  try {
    await offload.probe();
    assert.equal(offload.status().state, 'ready', 'the probe (not streamed) still works: only streams stall');
    // Accepts, sends the headers, then nothing.
    server.setMode({ kind: 'stall', afterTokens: 0 });
    await body({ router, server, local, metrics: new FakeMetrics(), config });
  } finally {
    await offload.dispose();
    await server.close();
  }
  assertNoLeaks(before);
}

function figures(t: TestContext, label: string, latencies: number[], answered: number, empty: number, breaker: string): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  t.diagnostic(
    `${label}: answered ${answered}/${answered + empty}, empty ${empty}, ` +
      `latency p50 ${Math.round(percentile(sorted, 0.5))} ms p95 ${Math.round(percentile(sorted, 0.95))} ms, breaker ${breaker}`,
  );
}

describe('a stalled offload endpoint under policy auto', () => {
  it(
    'every multi-line completion is answered by local within the deadline; failures are offload rows; the breaker opens',
    LIMIT,
    async (t) => {
      await withStalledOffload({ 'completion.timeoutMs': COMPLETION_DEADLINE_MS }, async ({ router, metrics, config }) => {
        const { service } = completionServiceUnderTest({ router, config: () => config, metrics });
        const outcomes: string[] = [];
        const latencies: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          // Enter after a block opener: a multi-line completion, which `auto` sends to offload.
          const document = TextDocument.create(`file:///work/f${i}.py`, 'python', 1, `def f${i}(x):\n    \n`);
          const started = performance.now();
          const result = await service.provide({ document, position: { line: 1, character: 4 }, signal: new AbortController().signal });
          latencies.push(performance.now() - started);
          outcomes.push(result.outcome);
        }
        service.dispose();
        const answered = outcomes.filter((outcome) => outcome === 'shown').length;
        figures(t, 'completion', latencies, answered, REQUESTS - answered, router.breakerState('offload'));

        assert.deepEqual(outcomes, Array(REQUESTS).fill('shown'), 'no completion comes back empty');
        const answers = metrics.rows.filter((row) => row.outcome === 'shown');
        assert.equal(answers.length, REQUESTS);
        for (const row of answers) {
          assert.equal(row.backend, 'local');
          assert.ok(row.fallbackReason, `every local answer that replaced offload is a fallback: ${row.decision}`);
        }
        const failed = metrics.rows.filter((row) => row.outcome !== 'shown');
        assert.equal(failed.length, THRESHOLD, 'one failed offload attempt per request until the breaker opened');
        for (const row of failed) {
          assert.equal(row.backend, 'offload');
          assert.equal(row.outcome, 'error');
          assert.equal(row.errorClass, 'TimeoutError');
        }
        assert.match(answers[0]!.fallbackReason!, /offload timeout/);
        assert.match(answers[REQUESTS - 1]!.fallbackReason!, /breaker open/);
        assert.equal(router.breakerState('offload'), 'open');
      });
    },
  );

  it('an explanation falls back to local well before tandem.explain.timeoutMs', LIMIT, async (t) => {
    const deadline = 8000;
    await withStalledOffload({ 'explain.timeoutMs': deadline }, async ({ router, metrics, config }) => {
      const service = new ExplainService({
        router,
        firstChoice: (context) => router.firstChoice(context),
        cache: new FakeCache(),
        metrics,
        config: () => config,
        log: memoryLogger(),
        newId: () => 'explain-1',
      });
      const document = TextDocument.create('file:///work/e.py', 'python', 1, 'def area(r):\n    return 3.14 * r * r\n');
      const started = performance.now();
      const result = await service.explain({
        document,
        range: { start: { line: 0, character: 0 }, end: { line: 1, character: 22 } },
        streamId: 's1',
        signal: new AbortController().signal,
        onDelta: () => undefined,
      });
      const elapsed = performance.now() - started;
      figures(t, 'explain', [elapsed], 1, 0, router.breakerState('offload'));
      assert.equal(result.backend, 'local');
      assert.match(result.fallbackReason ?? '', /offload timeout/);
      const offloadRow = metrics.rows.find((row) => row.backend === 'offload');
      assert.equal(offloadRow?.errorClass, 'TimeoutError');
      // Not a timing assertion: the budget offload was given, as the fallback reason states it.
      const budget = Number(/within (\d+) ms/.exec(result.fallbackReason ?? '')?.[1]);
      assert.ok(budget > 0 && budget <= deadline / 2, `offload's first-token budget ${budget} ms of a ${deadline} ms deadline`);
    });
  });
});
