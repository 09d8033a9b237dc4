import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError, UnavailableError } from '../../server/src/backends/backend';
import type { TandemConfig } from '../../server/src/config';
import { ExplainFailedError, ExplainInputError, ExplainService } from '../../server/src/explain/explainService';
import { ExplainPrompts, fenceFor, PromptTemplateError, render } from '../../server/src/explain/prompts';
import { memoryLogger } from '../../server/src/logger';
import { AnsweredExplanations, parseFeedbackParams } from '../../server/src/explain/feedback';
import type { RowPatch } from '../../server/src/metrics/types';
import type { ExplainStreamParams, Range } from '../../server/src/protocol';
import { fakeBackend, FakeCache, FakeMetrics, FakeRouter, ROW_FIELDS, testConfig, assertAllRowsValid } from './serviceFakes';

afterEach(assertAllRowsValid);
const CODE = 'def area(r):\n    return math.pi * r ** 2\n';
const ALL: Range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };

function setup(options: { first?: 'local' | 'offload'; config?: TandemConfig; newId?: () => string } = {}) {
  const backend = fakeBackend(options.first ?? 'offload');
  const router = new FakeRouter(backend);
  const cache = new FakeCache();
  const metrics = new FakeMetrics();
  const service = new ExplainService({
    router,
    firstChoice: router.firstChoice,
    cache,
    metrics,
    config: () => options.config ?? testConfig(),
    log: memoryLogger(),
    newId: options.newId ?? (() => 'explain-1'),
  });
  const deltas: ExplainStreamParams[] = [];
  const explain = (text = CODE, range = ALL, signal = new AbortController().signal, uri = 'file:///a.py') =>
    service.explain({
      document: TextDocument.create(uri, 'python', 1, text),
      range,
      streamId: 'stream-7',
      signal,
      onDelta: (params) => deltas.push(params),
    });
  return { service, router, cache, metrics, deltas, explain };
}

describe('ExplainService', () => {
  it('streams deltas, answers with the backend and timings, and records an answered row', async () => {
    const { router, metrics, deltas, explain } = setup();
    router.answer({ chunks: ['Computes ', 'the area of a circle.\n'] });
    const result = await explain();

    assert.deepEqual(deltas, [
      { streamId: 'stream-7', delta: 'Computes ' },
      { streamId: 'stream-7', delta: 'the area of a circle.\n' },
    ]);
    assert.deepEqual(result, {
      requestId: 'explain-1',
      text: 'Computes the area of a circle.',
      backend: 'offload',
      model: 'offload-model',
      ttftMs: 20,
      e2eMs: 50,
      cacheTier: 'none',
    });
    const row = metrics.rows[0];
    assert.ok(row);
    for (const field of ROW_FIELDS) assert.ok(field in row, `row has ${field}`);
    assert.equal(row.task, 'explain');
    assert.equal(row.outcome, 'answered');
    assert.equal(row.backend, 'offload');
    assert.equal(row.completionTokens, 10);
  });

  it('sends the raw code as prompt and a system + user chat built from the templates', async () => {
    const { router, explain } = setup();
    router.answer({ text: 'Area.' });
    await explain();
    const call = router.calls[0];
    assert.ok(call);
    assert.deepEqual(call.context, {
      task: 'explain',
      multiline: true,
      language: 'python',
      requestId: 'explain-1',
      promptChars: call.request.prompt.length,
      budgetMs: testConfig().explain.timeoutMs,
    });
    assert.equal(call.request.task, 'explain');
    assert.equal(call.request.prompt, CODE);
    assert.equal(call.request.maxTokens, 256);
    const [system, user] = call.request.messages ?? [];
    assert.equal(system?.role, 'system');
    assert.match(system?.content ?? '', /explain/i);
    assert.equal(user?.role, 'user');
    assert.equal(user?.content, `Explain this python code:\n\n\`\`\`python\n${CODE}\n\`\`\``);
  });

  it('says honestly when the local model answered', async () => {
    const { router, explain } = setup({ first: 'local' });
    router.answer({ text: 'Returns the area of a circle.' });
    const result = await explain();
    assert.equal(result.backend, 'local');
    assert.match(result.note ?? '', /one-line summaries/);
    assert.match(result.note ?? '', /tandem\.offload\.url/);
  });

  it('passes a fallback reset to the client and reports the fallback reason', async () => {
    const local = fakeBackend('local');
    const { router, deltas, explain } = setup();
    router.answer({
      abandoned: { backend: router.first, chunks: ['The func'] },
      backend: local,
      text: 'Area of a circle.',
      fallbackReason: 'offload interrupted: stream broke',
    });
    const result = await explain();
    assert.deepEqual(deltas, [
      { streamId: 'stream-7', delta: 'The func' },
      { streamId: 'stream-7', delta: 'Area of a circle.', reset: true },
    ]);
    assert.equal(result.backend, 'local');
    assert.equal(result.fallbackReason, 'offload interrupted: stream broke');
  });

  it('serves a repeated explanation from the cache as one delta, with no model call', async () => {
    let ids = 0;
    const { router, metrics, deltas, explain } = setup({ newId: () => `explain-${++ids}` });
    router.answer({ text: 'Area of a circle.' });
    await explain();
    deltas.length = 0;
    const again = await explain();
    assert.equal(router.calls.length, 1);
    assert.equal(again.cacheTier, 'l1');
    assert.equal(again.text, 'Area of a circle.');
    assert.deepEqual(deltas, [{ streamId: 'stream-7', delta: 'Area of a circle.' }]);
    assert.equal(metrics.rows[1]?.cacheTier, 'l1');
    assert.equal(metrics.rows[1]?.promptTokens, null);
    // The cache hit is a request of its own: its own row, its own id to rate.
    assert.equal(again.requestId, 'explain-2');
    assert.equal(metrics.rows[1]?.id, 'explain-2');
  });

  it('cuts a selection longer than explain.maxInputChars at a line end and says so', async () => {
    const line = 'total = total + compute(value)  # accumulate\n';
    const text = line.repeat(20);
    const { router, explain } = setup({ config: testConfig({ 'explain.maxInputChars': 200 }) });
    router.answer({ text: 'Sums values.' });
    const result = await explain(text, { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } });
    const prompt = router.calls[0]?.request.prompt ?? '';
    assert.ok(prompt.length <= 200);
    assert.equal(prompt, line.repeat(4).slice(0, -1));
    assert.match(result.note ?? '', /maxInputChars/);
    assert.match(router.calls[0]?.request.messages?.[1]?.content ?? '', /cut short/);
  });

  it('refuses empty, binary and out-of-range selections with a clear error and no model call', async () => {
    const { router, explain } = setup();
    const empty = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
    await assert.rejects(explain(CODE, empty), (e) => e instanceof ExplainInputError && /empty/.test(e.message));
    await assert.rejects(
      explain('\u0000\u0001binary\u0002', { start: { line: 0, character: 0 }, end: { line: 0, character: 9 } }),
      ExplainInputError,
    );
    await assert.rejects(explain(CODE, { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } }), ExplainInputError);
    assert.equal(router.calls.length, 0);
  });

  it('cancellation rejects with CancelledError and records a cancelled row', async () => {
    const { router, metrics, explain } = setup();
    router.answer({ text: 'x', gated: true });
    const cancel = new AbortController();
    const pending = explain(CODE, ALL, cancel.signal);
    for (let i = 0; i < 50 && router.waiting === 0; i++) await Promise.resolve();
    cancel.abort();
    await assert.rejects(pending, CancelledError);
    assert.equal(metrics.rows[0]?.outcome, 'cancelled');
  });

  it('a timeout is an ExplainFailedError that names the setting, recorded as TimeoutError', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { router, metrics, explain } = setup({ config: testConfig({ 'explain.timeoutMs': 2000 }) });
    router.answer({ text: 'x', gated: true });
    const pending = explain();
    for (let i = 0; i < 50 && router.waiting === 0; i++) await Promise.resolve();
    t.mock.timers.tick(2000);
    await assert.rejects(pending, (e) => e instanceof ExplainFailedError && /tandem\.explain\.timeoutMs/.test(e.message));
    assert.equal(metrics.rows[0]?.errorClass, 'TimeoutError');
  });

  it('no backend answering is an ExplainFailedError with the cause', async () => {
    const { router, metrics, cache, explain } = setup();
    router.answer({ error: new UnavailableError('No backend can answer: offload breaker open.') });
    await assert.rejects(
      explain(),
      (e) => e instanceof ExplainFailedError && /breaker open/.test(e.message) && e.cause instanceof UnavailableError,
    );
    assert.equal(metrics.rows[0]?.outcome, 'error');
    assert.equal(metrics.rows[0]?.errorClass, 'UnavailableError');
    assert.equal(cache.entries.size, 0);
  });

  it('an empty answer is an error to the user and an empty row', async () => {
    const { router, metrics, explain } = setup();
    router.answer({ text: '  \n' });
    await assert.rejects(explain(), ExplainFailedError);
    assert.equal(metrics.rows[0]?.outcome, 'empty');
  });
});

describe('ExplainService quality and privacy', () => {
  /** Replaces the fake's update so these tests see every patch, whatever the fake keeps. */
  function watchPatches(metrics: FakeMetrics): Array<{ id: string; patch: RowPatch }> {
    const patches: Array<{ id: string; patch: RowPatch }> = [];
    metrics.update = (id, patch) => void patches.push({ id, patch });
    return patches;
  }

  it('scores grounding on the answered row: hallucinated names lower it', async () => {
    const { router, metrics, explain } = setup();
    router.answer({ text: '`area` returns `math.pi` times `r` squared, after calling validate_radius().' });
    await explain();
    // Named: area, math, pi, r, validate_radius; the last is not in the selection.
    assert.equal(metrics.rows[0]?.grounding, 4 / 5);
  });

  it('leaves grounding unset when the explanation names no identifier, and scores cache hits too', async () => {
    let ids = 0;
    const { router, metrics, explain } = setup({ newId: () => `explain-${++ids}` });
    router.answer({ text: 'Computes the area of a circle.' });
    await explain();
    assert.equal(metrics.rows[0]?.outcome, 'answered');
    assert.equal('grounding' in (metrics.rows[0] ?? {}), false);

    const other = setup();
    other.router.answer({ text: 'Uses `math.pi`.' });
    await other.explain();
    await other.explain();
    assert.equal(other.metrics.rows[1]?.cacheTier, 'l1');
    assert.equal(other.metrics.rows[1]?.grounding, 1);
  });

  it('records feedback on the explanation row; last vote wins; unknown ids change nothing', async () => {
    const { service, router, metrics, explain } = setup();
    const patches = watchPatches(metrics);
    router.answer({ text: 'Area.' });
    const result = await explain();
    assert.equal(service.feedback({ requestId: result.requestId, rating: 1 }), true);
    assert.equal(service.feedback({ requestId: result.requestId, rating: -1 }), true);
    assert.equal(service.feedback({ requestId: 'some-completion-row', rating: 1 }), false);
    assert.deepEqual(patches, [
      { id: 'explain-1', patch: { feedback: 1 } },
      { id: 'explain-1', patch: { feedback: -1 } },
    ]);
  });

  it('does not open a failed explanation to feedback', async () => {
    const { service, router, metrics, explain } = setup();
    const patches = watchPatches(metrics);
    router.answer({ error: new UnavailableError('No backend can answer.') });
    await assert.rejects(explain(), ExplainFailedError);
    assert.equal(service.feedback({ requestId: 'explain-1', rating: 1 }), false);
    assert.deepEqual(patches, []);
  });

  it('refuses a file matched by tandem.completion.exclude: no model call, no row', async () => {
    const { router, metrics, explain } = setup({ config: testConfig({ 'completion.exclude': ['**/secrets/**'] }) });
    router.answer({ text: 'Leaks.' });
    await assert.rejects(
      explain(CODE, ALL, undefined, 'file:///work/secrets/keys.py'),
      (e) => e instanceof ExplainInputError && /tandem\.completion\.exclude/.test(e.message),
    );
    // The default list covers .env files too.
    const defaults = setup();
    await assert.rejects(defaults.explain(CODE, ALL, undefined, 'file:///work/.env.local'), ExplainInputError);
    assert.equal(router.calls.length + defaults.router.calls.length, 0);
    assert.equal(metrics.rows.length + defaults.metrics.rows.length, 0);
  });

  it('explains an unsaved document with the local model only unless offloadUntitled is on', async () => {
    const { router, explain } = setup();
    router.answer({ text: 'Area.' });
    await explain(CODE, ALL, undefined, 'untitled:Untitled-1');
    assert.equal(router.calls[0]?.context.localOnly, true);

    const allowed = setup({ config: testConfig({ 'completion.offloadUntitled': true }) });
    allowed.router.answer({ text: 'Area.' });
    await allowed.explain(CODE, ALL, undefined, 'untitled:Untitled-1');
    assert.equal(allowed.router.calls[0]?.context.localOnly, undefined);
  });

  it('does not apply tandem.completion.languages to explanations', async () => {
    const { router, explain } = setup({ config: testConfig({ 'completion.languages': { python: false } }) });
    router.answer({ text: 'Area.' });
    assert.equal((await explain()).text, 'Area.');
  });

  it('checks feedback params: rating 1 or -1 and a requestId', () => {
    assert.deepEqual(parseFeedbackParams({ requestId: 'r', rating: -1 }), { requestId: 'r', rating: -1 });
    for (const bad of [
      undefined,
      null,
      {},
      { requestId: 'r' },
      { requestId: 'r', rating: 0 },
      { requestId: 'r', rating: '1' },
      { requestId: 5, rating: 1 },
      { requestId: '', rating: 1 },
    ]) {
      assert.throws(() => parseFeedbackParams(bad), ExplainInputError, JSON.stringify(bad));
    }
  });

  it('remembers a bounded number of answers, oldest forgotten first', () => {
    const answered = new AnsweredExplanations(2);
    answered.add('a');
    answered.add('b');
    answered.add('c');
    assert.deepEqual([answered.has('a'), answered.has('b'), answered.has('c')], [false, true, true]);
  });
});

describe('explain prompts', () => {
  it('fills placeholders in one pass, so code cannot inject placeholders', () => {
    assert.equal(render('{{a}} and {{b}} {{missing}}', { a: '{{b}}', b: '$&' }), '{{b}} and $& {{missing}}');
  });

  it('fences code with more backticks than it contains', () => {
    assert.equal(fenceFor('plain'), '```');
    assert.equal(fenceFor('doc = """\n```js\nx\n```\n"""'), '````');
  });

  it('a missing template directory is a PromptTemplateError naming the file', () => {
    const prompts = new ExplainPrompts('/nonexistent/prompts');
    assert.throws(
      () => prompts.messages({ language: 'go', code: 'x', truncated: false }),
      (e) => e instanceof PromptTemplateError && /\/nonexistent\/prompts\/system\.md/.test(e.message),
    );
  });
});
