/**
 * Completion requests that end without a row are counted, not dropped: superseded during the
 * debounce (per language) and excluded by privacy (one number, never per file); the snapshot's
 * `beforeRouting` and the live Prometheus counters show them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TypingAlong } from '../../server/src/cache/typingAlong';
import { CompletionService } from '../../server/src/completion/completionService';
import { memoryLogger, silentLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { PromLiveFeed } from '../../server/src/metrics/promLiveFeed';
import { TandemPromMetrics } from '../../server/src/metrics/promRegistry';
import { UnrecordedRequests, type UnrecordedKind } from '../../server/src/metrics/unrecordedRequests';
import { testMetricsConfig } from '../support/metricsConfig';
import { requestRow } from '../support/requestRow';
import { fakeBackend, FakeCache, FakeMetrics, FakeRouter, testConfig } from './serviceFakes';

class CountingMetrics extends FakeMetrics {
  readonly counted: Array<[UnrecordedKind, string]> = [];
  countUnrecorded(kind: UnrecordedKind, language: string): void {
    this.counted.push([kind, language]);
  }
}

describe('unrecorded completion requests', () => {
  it('counts superseded per language and excluded once, by the filters a snapshot applies', () => {
    const counts = new UnrecordedRequests();
    counts.count('superseded', 'python');
    counts.count('superseded', 'python');
    counts.count('superseded', 'go');
    counts.count('excluded', 'python');
    assert.deepEqual(counts.forFilters({}), { superseded: 3, excluded: 1 });
    assert.deepEqual(counts.forFilters({ language: 'python' }), { superseded: 2, excluded: 1 });
    assert.deepEqual(counts.forFilters({ backend: 'local' }), { superseded: 0, excluded: 0 });
    assert.deepEqual(counts.forFilters({ task: 'explain' }), { superseded: 0, excluded: 0 });
    counts.clear();
    assert.deepEqual(counts.forFilters({}), { superseded: 0, excluded: 0 });
  });

  it('the service counts a request superseded during the debounce and one in an excluded file, with no row', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const router = new FakeRouter(fakeBackend('local', { fimTemplate: 'tandem' }));
    router.answer({ text: 'x + 1' });
    const metrics = new CountingMetrics();
    const service = new CompletionService({
      router,
      firstChoice: router.firstChoice,
      cache: new FakeCache(),
      typingAlong: new TypingAlong(),
      metrics,
      config: () => testConfig({ 'completion.debounceMs': 200 }),
      log: memoryLogger(),
    });
    const provide = (uri: string, text: string) =>
      service.provide({
        document: TextDocument.create(uri, 'python', 1, text),
        position: { line: 0, character: text.length },
        signal: new AbortController().signal,
      });
    const first = provide('file:///work/app.py', 'y = ');
    for (let i = 0; i < 20; i++) await Promise.resolve();
    // The next keystroke in the same file replaces the waiting request.
    const second = provide('file:///work/app.py', 'y = x');
    assert.equal((await first).outcome, 'cancelled');
    t.mock.timers.tick(1000);
    await second;
    const excluded = await provide('file:///work/.env', 'KEY=');
    assert.equal(excluded.items.length, 0);
    assert.deepEqual(metrics.counted, [
      ['superseded', 'python'],
      ['excluded', ''],
    ]);
    assert.equal(metrics.rows.length, 1, 'only the request that did work has a row');
  });

  it('the recorder shows them in beforeRouting and feeds the live Prometheus counters', async () => {
    const prom = new TandemPromMetrics();
    const recorder = openMetricsRecorder({
      dbPath: ':memory:',
      config: testMetricsConfig(),
      cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
      log: silentLogger,
    });
    recorder.onDidRecord(new PromLiveFeed(prom));
    try {
      recorder.record(requestRow({ ts: Date.now(), backend: null, outcome: 'cancelled', language: 'python' }));
      recorder.countUnrecorded('superseded', 'python');
      recorder.countUnrecorded('superseded', 'python');
      recorder.countUnrecorded('superseded', 'rust');
      recorder.countUnrecorded('excluded', '');
      assert.deepEqual(recorder.snapshot().beforeRouting, { requests: 1, cancelled: 1, errors: 0, superseded: 3, excluded: 1 });
      assert.equal(recorder.snapshot({ language: 'rust' }).beforeRouting.superseded, 1);
      const text = await prom.registry.metrics();
      assert.match(text, /^tandem_requests_superseded_total\{language="python"\} 2$/m);
      assert.match(text, /^tandem_requests_superseded_total\{language="rust"\} 1$/m);
      assert.match(text, /^tandem_requests_excluded_total 1$/m);
      recorder.reset();
      assert.equal(recorder.snapshot().beforeRouting.superseded, 0, 'the panel reset starts the snapshot from nothing');
      assert.match(await prom.registry.metrics(), /^tandem_requests_superseded_total\{language="python"\} 2$/m, 'counters never go down');
    } finally {
      recorder.close();
    }
  });
});
