/**
 * Several suggestions on an explicit trigger (candidates.ts): the router's greedy answer first,
 * then distinct, filtered samples from the same backend; one row per request; accept, reject and
 * typing along measured against the candidate the user actually had on screen.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HttpError } from '../../server/src/backends/backend';
import { CANDIDATE_TEMPERATURE, MAX_SAMPLES } from '../../server/src/completion/candidates';
import { ScriptedBackend, type Script } from '../support/fakeBackend';
import { completionServiceUnderTest } from './completionServiceUnderTest';
import { assertAllRowsValid, fakeBackend, FakeRouter, testConfig } from './serviceFakes';

afterEach(assertAllRowsValid);

const URI = 'file:///work/app.py';
const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const CURSOR = { line: 3, character: 11 };
const AT = SOURCE.indexOf('return ') + 'return '.length;
const GREEDY = 'math.pi * r ** 2';

/** The router answers the greedy suggestion; the scripted backend plays the sampled ones in order. */
function setup(samples: Script[]) {
  const local = new ScriptedBackend('local', samples);
  const router = new FakeRouter(local).answer({ text: `${GREEDY}\n\ndef other():` });
  const { service, metrics, log } = completionServiceUnderTest({ router, config: () => testConfig() });
  const provide = (invoked: boolean, text = SOURCE, position = CURSOR) =>
    service.provide({ document: TextDocument.create(URI, 'python', 1, text), position, signal: new AbortController().signal, invoked });
  return { service, router, local, metrics, log, provide };
}

const texts = (result: { items: Array<{ insertText: string }> }) => result.items.map((item) => item.insertText);
const ids = (result: { items: Array<{ command: { arguments: [{ requestId: string }] } }> }) =>
  result.items.map((item) => item.command.arguments[0].requestId);

describe('CompletionService: candidates on an explicit trigger', () => {
  it('returns up to three distinct filtered suggestions, dropping duplicates and empty ones', async () => {
    const { local, metrics, log, provide } = setup([
      { chunks: ['math.pi  *  r ** 2   '] }, // the greedy one again, whitespace aside
      { chunks: ['r * r * math.pi\nprint(r)'] }, // filtered like every suggestion: one line
      { chunks: ['\n\n'] }, // nothing left after the filters
      { chunks: ['3.14159 * r ** 2'] },
    ]);
    const result = await provide(true);

    assert.deepEqual(texts(result), [GREEDY, 'r * r * math.pi', '3.14159 * r ** 2']);
    assert.deepEqual(ids(result), ['req-1', 'req-1#2', 'req-1#3']);
    assert.deepEqual(
      result.items.map((item) => item.command.arguments[0].insertTextLength),
      [GREEDY.length, 'r * r * math.pi'.length, '3.14159 * r ** 2'.length],
    );
    // Sampled from the same prompt, at the candidates' temperature, each with its own seed.
    assert.equal(local.requests.length, 4);
    assert.deepEqual(
      local.requests.map((request) => request.seed),
      [1, 2, 3, 4],
    );
    for (const request of local.requests) {
      assert.equal(request.temperature, CANDIDATE_TEMPERATURE);
      assert.ok(request.prompt.startsWith('<fim_prefix>import math'));
      assert.equal(request.stop[0], '\n');
    }
    assert.equal(metrics.rows.length, 1, 'one row for the request, not one per candidate');
    assert.equal(metrics.rows[0]?.outcome, 'shown');
    assert.ok(log.messages('info').some((line) => /req-1: 3 suggestion\(s\), 4 sampled on local/.test(line)));
  });

  it('an automatic trigger stays one suggestion and samples nothing', async () => {
    const { local, provide } = setup([{ chunks: ['r * r * math.pi'] }]);
    const result = await provide(false);
    assert.deepEqual(texts(result), [GREEDY]);
    assert.equal(local.requests.length, 0);
  });

  it('stops sampling once it has three, and after MAX_SAMPLES tries when answers repeat', async () => {
    const distinct = setup([{ chunks: ['a * 2'] }, { chunks: ['b * 2'] }, { chunks: ['c * 2'] }]);
    assert.deepEqual(texts(await distinct.provide(true)), [GREEDY, 'a * 2', 'b * 2']);
    assert.equal(distinct.local.requests.length, 2);

    const repeating = setup(Array.from({ length: MAX_SAMPLES + 2 }, () => ({ chunks: [GREEDY] })));
    assert.deepEqual(texts(await repeating.provide(true)), [GREEDY]);
    assert.equal(repeating.local.requests.length, MAX_SAMPLES);
  });

  it('a failing backend ends the sampling: the suggestions so far are returned and the failure logged', async () => {
    const { local, log, provide } = setup([{ chunks: ['a * 2'] }, { error: new HttpError('HTTP 503 from the server', 503) }]);
    assert.deepEqual(texts(await provide(true)), [GREEDY, 'a * 2']);
    assert.equal(local.requests.length, 2, 'no further wave after the failure');
    assert.ok(log.messages('info').some((line) => line.includes('sampling stopped: HTTP 503')));
  });

  it('samples nothing when another backend than the first choice answered (a fallback)', async () => {
    const local = new ScriptedBackend('local', [{ chunks: ['a * 2'] }]);
    const router = new FakeRouter(local).answer({ text: GREEDY, backend: fakeBackend('offload'), fallbackReason: 'local failed' });
    const { service } = completionServiceUnderTest({ router, config: () => testConfig() });
    const result = await service.provide({
      document: TextDocument.create(URI, 'python', 1, SOURCE),
      position: CURSOR,
      signal: new AbortController().signal,
      invoked: true,
    });
    assert.deepEqual(texts(result), [GREEDY]);
    assert.equal(local.requests.length, 0);
  });

  it("accepting another candidate records that candidate's length on the request's row", async () => {
    const twoCandidates = [{ chunks: ['r * r'] }, { chunks: ['3.14159 * r ** 2'] }];
    // Three triggers at the same spot: the greedy answer comes from the cache after the first.
    const { service, metrics, provide } = setup([...twoCandidates, ...twoCandidates, ...twoCandidates]);
    await provide(true);
    service.didAccept('req-1#2', 'r * r'.length);
    service.didReject('req-1#3'); // already accepted: stays accepted
    assert.deepEqual(metrics.updates, [{ id: 'req-1', outcome: 'accepted', acceptedChars: 5 }]);

    await provide(true);
    service.didAccept('req-2#3', 6); // a word of the third
    service.didReject('req-2');
    assert.deepEqual(metrics.updates.slice(1), [{ id: 'req-2', outcome: 'partial', acceptedChars: 6 }]);

    await provide(true);
    service.didShow('req-3#2');
    service.didReject('req-3#2');
    assert.deepEqual(metrics.updates.slice(2), [{ id: 'req-3', outcome: 'rejected' }]);
  });

  it('typing along follows the candidate the editor showed', async () => {
    const { service, router, provide } = setup([{ chunks: ['r * r * math.pi'] }, { chunks: ['3.14159 * r ** 2'] }]);
    await provide(true);
    service.didShow('req-1#2');
    const typed = SOURCE.slice(0, AT) + 'r * ' + SOURCE.slice(AT);
    const result = await provide(false, typed, { line: 3, character: 15 });
    assert.equal(router.calls.length, 1, 'no model call');
    assert.deepEqual(texts(result), ['r * math.pi']);
  });
});
