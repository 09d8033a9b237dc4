import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HttpError } from '../../server/src/backends/backend';
import { TypingAlong } from '../../server/src/cache/typingAlong';
import type { TypingAlongStore } from '../../server/src/completion/collaborators';
import { CompletionService } from '../../server/src/completion/completionService';
import type { TandemConfig } from '../../server/src/config';
import { completionServiceUnderTest } from './completionServiceUnderTest';
import { fakeBackend, FakeRouter, ROW_FIELDS, testConfig, assertAllRowsValid } from './serviceFakes';

// The real typing-along store must fit the interface the service depends on.

afterEach(assertAllRowsValid);
const typingAlongFits: TypingAlongStore = new TypingAlong();
void typingAlongFits;

const URI = 'file:///work/app.py';
const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const CURSOR = { line: 3, character: 11 };
const AT = SOURCE.indexOf('return ') + 'return '.length;

function setup(options: { config?: TandemConfig; router?: FakeRouter } = {}) {
  const local = fakeBackend('local', { fimTemplate: 'tandem' });
  const router = options.router ?? new FakeRouter(local);
  let config = options.config ?? testConfig();
  const { service, cache, metrics, log } = completionServiceUnderTest({ router, config: () => config });
  return { service, router, cache, metrics, log, local, setConfig: (next: TandemConfig) => (config = next) };
}

function provide(service: CompletionService, text = SOURCE, position = CURSOR, signal = new AbortController().signal) {
  return service.provide({ document: TextDocument.create(URI, 'python', 1, text), position, signal });
}

describe('CompletionService: generation', () => {
  it('formats the prompt for the backend, filters the answer and returns an item that reports acceptance', async () => {
    const { service, router } = setup();
    router.answer({ text: 'math.pi * r ** 2  \n\ndef other():' });
    const result = await provide(service);

    assert.equal(result.outcome, 'shown');
    assert.deepEqual(result.items, [
      {
        insertText: 'math.pi * r ** 2',
        range: { start: CURSOR, end: CURSOR },
        command: {
          title: 'Tandem: accepted',
          command: 'tandem.didAcceptCompletion',
          arguments: [{ requestId: 'req-1', backend: 'local', insertTextLength: 16 }],
        },
      },
    ]);
    const call = router.calls[0];
    assert.ok(call);
    assert.equal(call.request.prompt, `<fim_prefix>${SOURCE.slice(0, AT)}<fim_suffix>${SOURCE.slice(AT)}<fim_middle>`);
    assert.equal(call.request.suffix, undefined);
    assert.equal(call.request.stop[0], '\n', 'single-line after `return `');
    const { budgetMs, ...route } = call.context;
    // requestId and promptChars (prefix + suffix) feed learned routing (issue 15).
    assert.deepEqual(route, { task: 'completion', multiline: false, language: 'python', requestId: 'req-1', promptChars: SOURCE.length });
    // The deadline left for routing (issue 10): within the completion timeout, minus what was spent.
    assert.ok(budgetMs !== undefined && budgetMs > 0 && budgetMs <= testConfig().completion.timeoutMs);
  });

  it('records one complete row per request', async () => {
    const { service, router, metrics } = setup();
    router.answer({ text: 'math.pi * r ** 2', fallbackReason: 'offload timeout' });
    await provide(service);
    assert.equal(metrics.rows.length, 1);
    const row = metrics.rows[0];
    assert.ok(row);
    for (const field of ROW_FIELDS) assert.ok(field in row, `row has ${field}`);
    assert.equal(row.id, 'req-1');
    assert.equal(row.task, 'completion');
    assert.equal(row.language, 'python');
    assert.equal(row.policy, 'auto');
    assert.equal(row.decision, 'fake → local');
    assert.equal(row.backend, 'local');
    assert.equal(row.model, 'local-model');
    assert.equal(row.cacheTier, 'none');
    assert.equal(row.promptTokens, 100);
    assert.equal(row.completionTokens, 10);
    assert.equal(row.tokenSource, 'server');
    assert.equal(row.ttftMs, 20);
    assert.equal(row.e2eMs, 50);
    // metrics/definitions.ts: 10 tokens, TTFT 20 ms, E2E 50 ms, 100 prompt tokens.
    assert.ok(Math.abs((row.tpotMs ?? 0) - 30 / 9) < 1e-9, 'TPOT = (50 − 20) / (10 − 1)');
    assert.ok(Math.abs((row.decodeTokensPerSecond ?? 0) - 300) < 1e-9, 'decode = 9 / 0.03 s');
    assert.ok(Math.abs((row.promptTokensPerSecond ?? 0) - 5000) < 1e-9, 'prompt = 100 / 0.02 s');
    assert.equal(row.outcome, 'shown');
    assert.equal(row.fallbackReason, 'offload timeout');
    assert.equal(row.errorClass, null);
    assert.deepEqual(metrics.texts[0], { prompt: router.calls[0]?.request.prompt, completion: 'math.pi * r ** 2' });
  });

  it('passes prefix and suffix separately to a backend that takes the suffix natively', async () => {
    const offload = fakeBackend('offload', { fimTemplate: 'codellama', nativeSuffix: true });
    const { service, router } = setup({ router: new FakeRouter(offload) });
    router.answer({ text: 'r * r' });
    await provide(service);
    assert.equal(router.calls[0]?.request.prompt, SOURCE.slice(0, AT));
    assert.equal(router.calls[0]?.request.suffix, SOURCE.slice(AT));
  });

  it('asks for a multi-line completion after a block opener', async () => {
    const { service, router } = setup();
    router.answer({ text: '\n    return math.pi * r ** 2' });
    const text = 'import math\n\ndef area(r):\n';
    const result = await provide(service, text, { line: 2, character: 12 });
    assert.equal(router.calls[0]?.context.multiline, true);
    assert.equal(router.calls[0]?.request.stop[0], '\n\n\n');
    assert.equal(result.items[0]?.insertText, '\n    return math.pi * r ** 2');
  });

  it("an answer the filters reduce to nothing is 'empty'", async () => {
    const { service, router, metrics } = setup();
    router.answer({ text: '   \n' });
    const result = await provide(service);
    assert.deepEqual(result.items, []);
    assert.equal(result.outcome, 'empty');
    assert.equal(metrics.rows[0]?.outcome, 'empty');
    assert.equal(metrics.rows[0]?.backend, 'local');
  });

  it("a backend failure is an 'error' row with its class, nothing cached, and no item", async () => {
    const { service, router, metrics, cache } = setup();
    router.answer({ error: new HttpError('offload answered 500', 500) });
    const result = await provide(service);
    assert.equal(result.outcome, 'error');
    assert.deepEqual(result.items, []);
    assert.equal(metrics.rows[0]?.errorClass, 'HttpError');
    assert.equal(cache.entries.size, 0);
  });

  it('a failed metrics write is logged and the user still gets the completion', async () => {
    const { service, router, metrics, log } = setup();
    metrics.failNextRecord = true;
    router.answer({ text: 'r * r' });
    const result = await provide(service);
    assert.equal(result.items[0]?.insertText, 'r * r');
    assert.match(log.messages('warn')[0] ?? '', /database is locked/);
  });

  it('returns nothing and records nothing when completions are disabled', async () => {
    const { service, router, metrics } = setup({ config: testConfig({ 'completion.enabled': false }) });
    const result = await provide(service);
    assert.deepEqual(result.items, []);
    assert.equal(router.calls.length, 0);
    assert.equal(metrics.rows.length, 0);
  });
});

describe('CompletionService: bad input', () => {
  it('a position outside the document is an empty result with an error row, no backend call', async () => {
    const { service, router, metrics } = setup();
    const result = await provide(service, SOURCE, { line: 99, character: 0 });
    assert.deepEqual(result.items, []);
    assert.equal(result.outcome, 'error');
    assert.equal(metrics.rows[0]?.errorClass, 'InvalidPositionError');
    assert.equal(router.calls.length, 0);
  });

  it('binary content is refused the same way', async () => {
    const { service, router, metrics } = setup();
    const result = await provide(service, 'ELF\u0000\u0001\u0002', { line: 0, character: 3 });
    assert.deepEqual(result.items, []);
    assert.equal(metrics.rows[0]?.errorClass, 'BinaryContentError');
    assert.equal(router.calls.length, 0);
  });
});

describe('CompletionService: cache and typing along', () => {
  it('serves a repeated request from the cache under the first-choice backend, at no token cost', async () => {
    const { service, router, metrics } = setup();
    router.answer({ text: 'math.pi * r ** 2' });
    await provide(service);
    const again = await provide(service);
    assert.equal(router.calls.length, 1);
    assert.equal(again.items[0]?.insertText, 'math.pi * r ** 2');
    const row = metrics.rows[1];
    assert.equal(row?.cacheTier, 'l1');
    assert.equal(row?.backend, 'local');
    assert.equal(row?.promptTokens, null);
    assert.equal(row?.tpotMs, undefined, 'a cache hit generated nothing: no TPOT');
    assert.equal(row?.outcome, 'shown');
  });

  it('stores a fallback answer under the backend that answered', async () => {
    const local = fakeBackend('local', { fimTemplate: 'tandem' });
    const offload = fakeBackend('offload', { fimTemplate: 'codellama' });
    const router = new FakeRouter(offload);
    const { service, cache } = setup({ router });
    router.answer({ text: 'r * r', backend: local, fallbackReason: 'offload http: 500' });
    await provide(service);
    assert.equal([...cache.entries.values()][0]?.backend, 'local');
    // The first choice is still offload, so its (missing) answer is what a lookup wants.
    router.answer({ text: 'math.pi * r * r' });
    const next = await provide(service);
    assert.equal(router.calls.length, 2);
    assert.equal(next.items[0]?.insertText, 'math.pi * r * r');
  });

  it('does not cache an answer cut short by cancellation', async () => {
    const { service, router, cache } = setup();
    router.answer({ text: 'math.p', finishReason: 'cancelled' });
    await provide(service);
    assert.equal(cache.entries.size, 0);
  });

  it('typing the start of a shown completion is answered with its rest, with no model call', async () => {
    const { service, router, metrics, cache } = setup();
    router.answer({ text: 'math.pi * r ** 2' });
    await provide(service);
    const typed = SOURCE.slice(0, AT) + 'math.' + SOURCE.slice(AT);
    const result = await provide(service, typed, { line: 3, character: 16 });
    assert.equal(router.calls.length, 1);
    assert.equal(result.items[0]?.insertText, 'pi * r ** 2');
    // The same suggestion: no new row, the item keeps its id, the typed characters go on its row.
    assert.equal(result.items[0]?.command.arguments[0].requestId, 'req-1');
    assert.equal(metrics.rows.length, 1);
    assert.deepEqual(metrics.patches, [{ id: 'req-1', patch: { typedChars: 5 } }]);
    assert.equal(cache.counters().typingHits, 1);
  });
});

describe('CompletionService: cancellation, supersession, timeout, debounce', () => {
  it('LSP cancellation reaches the router and the row says cancelled', async () => {
    const { service, router, metrics } = setup();
    router.answer({ text: 'r', gated: true });
    const cancel = new AbortController();
    const pending = provide(service, SOURCE, CURSOR, cancel.signal);
    await waitFor(() => router.waiting === 1);
    cancel.abort();
    const result = await pending;
    assert.equal(result.outcome, 'cancelled');
    assert.equal(metrics.rows[0]?.outcome, 'cancelled');
    assert.equal(metrics.rows[0]?.errorClass, null);
  });

  it('a newer request for the same document aborts the older one', async () => {
    const { service, router } = setup();
    router.answer({ text: 'old', gated: true }, { text: 'r * r' });
    const older = provide(service);
    await waitFor(() => router.waiting === 1);
    const newer = await provide(service, SOURCE, { line: 3, character: 4 });
    assert.equal((await older).outcome, 'cancelled');
    assert.equal(newer.outcome, 'shown');
  });

  it('a request that outlives completion.timeoutMs is an error of class TimeoutError', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { service, router, metrics } = setup({ config: testConfig({ 'completion.timeoutMs': 500 }) });
    router.answer({ text: 'r', gated: true });
    const pending = provide(service);
    await waitFor(() => router.waiting === 1);
    t.mock.timers.tick(500);
    const result = await pending;
    assert.equal(result.outcome, 'error');
    assert.equal(metrics.rows[0]?.errorClass, 'TimeoutError');
  });

  it('debounces by the configured delay minus recent latency; a superseded wait never reaches the router', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { service, router, metrics } = setup({ config: testConfig({ 'completion.debounceMs': 300 }) });
    router.latencyMs = 100;
    router.answer({ text: 'r * r' });
    const first = provide(service, SOURCE, { line: 3, character: 4 });
    const second = provide(service);
    assert.equal((await first).outcome, 'cancelled');
    await flush();
    t.mock.timers.tick(199);
    await flush();
    assert.equal(router.calls.length, 0, 'still waiting 300 - 100 ms');
    t.mock.timers.tick(1);
    assert.equal((await second).items[0]?.insertText, 'r * r');
    assert.equal(router.calls.length, 1);
    assert.equal(metrics.rows.length, 1, 'the debounced-away request has no row');
  });
});

describe('CompletionService: outcomes reported by the client', () => {
  it('full and partial accepts, and rejects of what was not accepted', async () => {
    const { service, router, metrics } = setup();
    router.answer({ text: 'math.pi * r ** 2' }, { text: 'r * r' });
    const first = await provide(service);
    service.didAccept(first.requestId, 5);
    service.didAccept(first.requestId, 16);
    service.didReject(first.requestId);
    const second = await provide(service, SOURCE, { line: 3, character: 4 });
    service.didShow(second.requestId);
    service.didReject(second.requestId);
    service.didAccept('unknown', 3);
    assert.deepEqual(metrics.updates, [
      { id: 'req-1', outcome: 'partial', acceptedChars: 5 },
      { id: 'req-1', outcome: 'accepted', acceptedChars: 16 },
      { id: 'req-2', outcome: 'rejected' },
    ]);
  });
});

/** Lets pending promise callbacks run (mocked timers do not advance real time). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await flush();
  assert.ok(condition(), 'condition never became true');
}
