/**
 * Shadow mode through the real CompletionService and Router, with held scripted backends:
 * which completions get a shadow, where it may go, what its row says, how it is compared with
 * what the user accepted or typed, and that shadows stay bounded and never delay the reply.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { HttpError } from '../../server/src/backends/backend';
import { isSampled } from '../../server/src/completion/shadow';
import { memoryLogger } from '../../server/src/logger';
import { Router } from '../../server/src/routing/router';
import { HeldBackend, type HeldScript } from '../support/heldBackend';
import { completionServiceUnderTest } from './completionServiceUnderTest';
import { assertAllRowsValid, testConfig } from './serviceFakes';

afterEach(assertAllRowsValid);

const URI = 'file:///work/app.py';
const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const CURSOR = { line: 3, character: 11 };

function setup(options: { local?: HeldScript[]; offload?: HeldScript[] | 'none'; settings?: Record<string, unknown> } = {}) {
  const config = testConfig({ 'routing.shadowRate': 1, 'cache.enabled': false, ...options.settings });
  const local = new HeldBackend('local', options.local ?? [{ chunks: ['math.pi * r ** 2'] }]);
  const offload = options.offload === 'none' ? undefined : new HeldBackend('offload', options.offload ?? [{ chunks: ['math.pi * r * r'] }]);
  const router = new Router({ local, offload, config: () => config, log: memoryLogger() });
  const { service, metrics } = completionServiceUnderTest({ router, config: () => config, shadowRouting: router });
  const provide = (text = SOURCE, position = CURSOR) =>
    service.provide({ document: TextDocument.create(URI, 'python', 1, text), position, signal: new AbortController().signal });
  const shadowRows = () => metrics.rows.filter((row) => row.shadowOf !== undefined);
  return { service, router, local, offload, metrics, provide, shadowRows };
}

/** Lets queued promise work run until `probe` holds; bounded by turns, not by time. */
async function until(what: string, probe: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000; turn++) {
    if (probe()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/** The backend streamed its answer to the end; the rest of the shadow's work is promise jobs. */
async function answered(backend: HeldBackend | undefined): Promise<void> {
  await until('the shadow answered', () => backend?.completed === 1);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('shadow mode', { timeout: 20_000 }, () => {
  it('at rate 1 asks the other backend after the shown answer and compares both with the accepted text', async () => {
    const { service, offload, provide, shadowRows, metrics } = setup();
    const result = await provide();
    assert.equal(result.items[0]?.insertText, 'math.pi * r ** 2');
    assert.equal(offload?.requests.length, 1, 'the shadow went to offload');
    assert.equal(offload?.requests[0]?.prompt.includes('def area(r):'), true, 'with the same context');
    service.didAccept('req-1', 'math.pi * r ** 2'.length);
    await until('the shadow row', () => shadowRows().length === 1);
    const [row] = shadowRows();
    assert.ok(row);
    assert.equal(row.decision, 'shadow of req-1');
    assert.equal(row.shadowOf, 'req-1');
    assert.equal(row.backend, 'offload');
    assert.equal(row.model, 'offload-model');
    assert.equal(row.outcome, 'answered');
    assert.equal(row.comparedWith, 'accepted');
    assert.equal(row.shownSimilarity, 1);
    assert.ok(row.shadowSimilarity !== undefined && row.shadowSimilarity > 0.5 && row.shadowSimilarity < 1);
    assert.equal(row.shownFirstLineMatch, 1);
    assert.equal(row.shadowFirstLineMatch, 0);
    assert.ok(row.id !== 'req-1', 'its own row');
    const shown = metrics.rows.find((r) => r.id === 'req-1');
    assert.equal(shown?.outcome, 'shown');
    assert.equal(shown?.shadowOf, undefined);
  });

  it('compares with what the user typed when they typed past the completion instead of accepting', async () => {
    const { offload, provide, shadowRows } = setup({
      local: [{ chunks: ['math.pi * r ** 2'] }, { chunks: ['# done'] }],
      offload: [{ chunks: ['math.pi * r * r'] }, { chunks: ['x'] }],
    });
    await provide();
    await answered(offload);
    const typed = 'import math\n\ndef area(r):\n    return math.pi * r * r\n    \n';
    await provide(typed, { line: 4, character: 4 });
    const row = shadowRows().find((r) => r.shadowOf === 'req-1');
    assert.ok(row, 'recorded as soon as the user moved past the line');
    assert.equal(row.comparedWith, 'typed');
    assert.equal(row.shadowSimilarity, 1);
    assert.equal(row.shadowFirstLineMatch, 1);
    assert.equal(row.shownFirstLineMatch, 0);
    assert.ok((row.shownSimilarity ?? 1) < 1);
  });

  it('sends nothing at rate 0', async () => {
    const { offload, provide, shadowRows, service } = setup({ settings: { 'routing.shadowRate': 0 } });
    await provide();
    await new Promise((resolve) => setImmediate(resolve));
    service.didAccept('req-1', 3);
    service.dispose();
    assert.equal(offload?.requests.length, 0);
    assert.equal(shadowRows().length, 0);
  });

  it('never sends code to offload under policy local, nor without an endpoint', async () => {
    const local = setup({ settings: { 'routing.policy': 'local' } });
    await local.provide();
    local.service.dispose();
    assert.equal(local.offload?.requests.length, 0);
    assert.equal(local.shadowRows().length, 0);
    const none = setup({ offload: 'none' });
    await none.provide();
    none.service.dispose();
    assert.equal(none.local.requests.length, 1, 'only the shown request');
    assert.equal(none.shadowRows().length, 0);
  });

  it('keeps one shadow per document: a newer request aborts it, and the reply never waits for it', async () => {
    const { offload, provide, shadowRows, service } = setup({
      local: [{ chunks: ['math.pi * r ** 2'] }, { chunks: ['math.pi * r ** 2'] }],
      offload: [
        { chunks: ['slow'], held: true },
        { chunks: ['slow too'], held: true },
      ],
    });
    await provide();
    assert.equal(offload?.requests.length, 1, 'shadow running (held) while the reply already came');
    // Not the start of the shown text (that would be answered by typing-along, with no model call).
    await provide(SOURCE.replace('return ', 'return 2 * '), { line: 3, character: 15 });
    assert.equal(offload?.signals[0]?.aborted, true, 'the older shadow was aborted');
    assert.equal(offload?.signals[1]?.aborted, false, 'the newer one runs');
    await until('the cancelled row', () => shadowRows().length === 1);
    assert.equal(shadowRows()[0]?.outcome, 'cancelled');
    assert.equal(shadowRows()[0]?.shadowOf, 'req-1');
    service.dispose();
    await until('the second cancelled row', () => shadowRows().length === 2);
    assert.equal(offload?.signals[1]?.aborted, true, 'dispose stops running shadows');
  });

  it('records a failed shadow at once as an error, and dispose records a waiting one uncompared', async () => {
    const failing = setup({ offload: [{ error: new HttpError('boom', 500) }] });
    await failing.provide();
    await until('the error row', () => failing.shadowRows().length === 1);
    assert.equal(failing.shadowRows()[0]?.outcome, 'error');
    assert.equal(failing.shadowRows()[0]?.errorClass, 'HttpError');

    const waiting = setup();
    await waiting.provide();
    await answered(waiting.offload);
    assert.equal(waiting.shadowRows().length, 0, 'waits for a verdict');
    waiting.service.dispose();
    const [row] = waiting.shadowRows();
    assert.equal(row?.outcome, 'answered');
    assert.equal(row?.comparedWith, undefined);
  });

  it('samples by a hash of the request id: repeatable, and close to the rate', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `request-${i}`);
    const picked = ids.filter((id) => isSampled(id, 0.25)).length;
    assert.ok(picked > 400 && picked < 600, `picked ${picked} of 2000 at rate 0.25`);
    assert.deepEqual(
      ids.map((id) => isSampled(id, 0.25)),
      ids.map((id) => isSampled(id, 0.25)),
    );
    assert.equal(
      ids.some((id) => isSampled(id, 0)),
      false,
    );
    assert.equal(
      ids.every((id) => isSampled(id, 1)),
      true,
    );
  });
});
