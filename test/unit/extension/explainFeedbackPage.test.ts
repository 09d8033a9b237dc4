/**
 * media/explain.js in a DOM (jsdom): the thumbs appear only under a complete answer, are real
 * buttons with labels, send `explain/feedback` for the shown stream, and show the last vote.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { EXPLAIN_BODY } from '../../../extension/src/webviewBodies';
import { isExplainWebviewMessage, type ExplainViewState } from '../../../extension/src/webviewMessages';

const SCRIPT = readFileSync(join(__dirname, '..', '..', '..', 'media', 'explain.js'), 'utf8');

function openPage() {
  const dom = new JSDOM(`<!doctype html><body>${EXPLAIN_BODY}</body>`, { runScripts: 'outside-only' });
  // Copied as the real webview would (structured clone), which also leaves jsdom's realm.
  const posted: unknown[] = [];
  Object.assign(dom.window, {
    acquireVsCodeApi: () => ({ postMessage: (message: unknown) => posted.push(JSON.parse(JSON.stringify(message))) }),
  });
  dom.window.eval(SCRIPT);
  const document = dom.window.document;
  const send = (state: ExplainViewState): void => {
    dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: { type: 'explain/state', state } }));
  };
  const group = (): HTMLElement => {
    const found = document.querySelector<HTMLElement>('.feedback');
    assert.ok(found, 'the feedback group exists');
    return found;
  };
  const button = (label: string): HTMLButtonElement => {
    const found = document.querySelector<HTMLButtonElement>(`.feedback button[aria-label="${label}"]`);
    assert.ok(found, `a button labelled ${label}`);
    return found;
  };
  return { posted, send, group, button };
}

const done: ExplainViewState = { streamId: 's1', title: 'a.py:1–2', text: 'Computes `area`.', phase: 'done', requestId: 'row-1' };

describe('media/explain.js feedback', () => {
  it('shows no thumbs while streaming, after an error, or for an answer without a request id', () => {
    const page = openPage();
    page.send({ ...done, phase: 'streaming', requestId: undefined });
    assert.equal(page.group().hidden, true);
    page.send({ ...done, phase: 'error', error: 'x' });
    assert.equal(page.group().hidden, true);
    page.send({ ...done, requestId: undefined });
    assert.equal(page.group().hidden, true);
  });

  it('offers two labelled buttons under a complete answer and sends the vote for its stream', () => {
    const page = openPage();
    page.send(done);
    assert.equal(page.group().hidden, false);
    assert.equal(page.group().getAttribute('role'), 'group');
    const up = page.button('Helpful');
    const down = page.button('Not helpful');
    assert.equal(up.type, 'button');
    assert.equal(up.getAttribute('aria-pressed'), 'false');

    up.click();
    assert.equal(up.getAttribute('aria-pressed'), 'true');
    down.click();
    assert.equal(up.getAttribute('aria-pressed'), 'false');
    assert.equal(down.getAttribute('aria-pressed'), 'true');
    assert.match(page.group().textContent ?? '', /not helpful/);

    const votes = page.posted.filter((message) => (message as { type: string }).type === 'explain/feedback');
    assert.deepEqual(votes, [
      { type: 'explain/feedback', streamId: 's1', rating: 1 },
      { type: 'explain/feedback', streamId: 's1', rating: -1 },
    ]);
    for (const vote of votes) assert.ok(isExplainWebviewMessage(vote), 'the host accepts the message');
  });

  it('shows the vote the host reports (e.g. after the page reloads)', () => {
    const page = openPage();
    page.send({ ...done, feedback: -1 });
    assert.equal(page.button('Not helpful').getAttribute('aria-pressed'), 'true');
    assert.equal(page.button('Helpful').getAttribute('aria-pressed'), 'false');
  });
});
