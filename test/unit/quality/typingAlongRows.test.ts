/**
 * Typing along a returned suggestion is one suggestion (issue 11): no row per typed character,
 * the item keeps the original id, the original row counts the typed characters, and accepts
 * after typing along land on that row, counted from the suggestion's start.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completionServiceUnderTest } from '../completionServiceUnderTest';
import { assertAllRowsValid, fakeBackend, FakeRouter, testConfig } from '../serviceFakes';

import { PatchingMetrics } from './qualityFakes';

const URI = 'file:///work/app.py';
const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const CURSOR = { line: 3, character: 11 };
const AT = SOURCE.indexOf('return ') + 'return '.length;
const SUGGESTION = 'math.pi * r ** 2';

function setup() {
  const router = new FakeRouter(fakeBackend('local', { fimTemplate: 'tandem' })).answer({ text: SUGGESTION });
  const metrics = new PatchingMetrics();
  const { service, cache } = completionServiceUnderTest({ router, config: () => testConfig(), metrics });
  /** The document after typing the first `typed` characters of the suggestion. */
  const typeAlong = (typed: number) => {
    const text = SOURCE.slice(0, AT) + SUGGESTION.slice(0, typed) + SOURCE.slice(AT);
    const position = { line: CURSOR.line, character: CURSOR.character + typed };
    return service.provide({ document: TextDocument.create(URI, 'python', 1, text), position, signal: new AbortController().signal });
  };
  return { service, router, metrics, cache, typeAlong };
}

afterEach(assertAllRowsValid);

describe('typing along a suggestion', () => {
  it('five typed characters: no extra rows, the same id, typedChars 5 on the original row', async () => {
    const { service, router, metrics, cache, typeAlong } = setup();
    const first = await typeAlong(0);
    assert.equal(first.requestId, 'req-1');
    assert.equal(metrics.rows[0]?.shownChars, SUGGESTION.length);
    service.didShow('req-1');
    for (let typed = 1; typed <= 5; typed++) {
      const result = await typeAlong(typed);
      assert.equal(result.items[0]?.insertText, SUGGESTION.slice(typed));
      assert.deepEqual(result.items[0]?.command.arguments[0], {
        requestId: 'req-1',
        backend: 'local',
        insertTextLength: SUGGESTION.length - typed,
        offset: typed,
      });
      service.didShow('req-1'); // VS Code shows the rest: still one display
    }
    assert.equal(router.calls.length, 1, 'no model call');
    assert.equal(metrics.rows.length, 1, 'no row per typed character');
    assert.equal(cache.counters().typingHits, 5, 'the cache counters still count typing-along hits');
    const row = metrics.row('req-1');
    assert.equal(row?.typedChars, 5);
    assert.equal(row?.displayed, 1);
    assert.equal(metrics.patches.filter((p) => p.patch.displayed !== undefined).length, 1, 'displayed once');
    assert.equal(row?.outcome, 'shown');
  });

  it('typing along, then accepting the rest, is one suggestion accepted in full', async () => {
    const { service, metrics, typeAlong } = setup();
    await typeAlong(0);
    await typeAlong(5);
    service.didAccept('req-1', SUGGESTION.length); // the client adds the item's offset (5) to VS Code's 11
    const row = metrics.row('req-1');
    assert.equal(row?.outcome, 'accepted');
    assert.equal(row?.acceptedChars, SUGGESTION.length - 5);
    assert.equal(row?.typedChars, 5);
  });

  it('typed out in full: the row says so, and the next keystroke asks a model again', async () => {
    const { router, metrics, typeAlong } = setup();
    router.answer({ text: 'next' });
    await typeAlong(0);
    await typeAlong(3);
    const done = await typeAlong(SUGGESTION.length);
    assert.equal(router.calls.length, 2, 'nothing left to serve: a new request');
    assert.equal(done.requestId, 'req-3');
    const row = metrics.row('req-1');
    assert.equal(row?.typedChars, SUGGESTION.length);
    assert.ok((row?.typedChars ?? 0) >= (row?.shownChars ?? Infinity), 'typed out: typedChars >= shownChars');
    assert.equal(row?.outcome, 'shown');
  });

  it('a partial accept is not counted as typed when the next request sees the accepted word', async () => {
    const { service, metrics, typeAlong } = setup();
    await typeAlong(0);
    service.didAccept('req-1', 5); // "math."
    await typeAlong(5);
    assert.equal(metrics.row('req-1')?.typedChars, undefined);
    assert.equal(metrics.row('req-1')?.outcome, 'partial');
    assert.equal(metrics.row('req-1')?.acceptedChars, 5);
  });
});
