/**
 * The explain script in media/ is plain JS, so these tests check it against the TypeScript side
 * as text: every message type the host posts is handled, every message the script sends is one
 * the host accepts, and every element the script looks up exists in the page body. The
 * performance panel's page script is TypeScript (webview/panel) and runs in a DOM test instead
 * (test/unit/webview/panelPage.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXPLAIN_BODY } from '../../../extension/src/webviewBodies';
import {
  EXPLAIN_HOST_MESSAGE_TYPES,
  EXPLAIN_WEBVIEW_MESSAGE_TYPES,
  isExplainWebviewMessage,
  isPanelWebviewMessage,
} from '../../../extension/src/webviewMessages';

const root = join(__dirname, '..', '..', '..');
const script = (name: string): string => readFileSync(join(root, 'media', name), 'utf8');

function posted(source: string): string[] {
  return [...source.matchAll(/postMessage\(\{ type: '([^']+)'/g)].map((match) => match[1]!);
}

function lookedUpIds(source: string): string[] {
  return [...source.matchAll(/byId\('([^']+)'\)/g)].map((match) => match[1]!);
}

const views = [
  {
    name: 'explain',
    source: script('explain.js'),
    body: EXPLAIN_BODY,
    hostTypes: EXPLAIN_HOST_MESSAGE_TYPES,
    webviewTypes: EXPLAIN_WEBVIEW_MESSAGE_TYPES,
  },
];

for (const view of views) {
  describe(`media/${view.name}.js`, () => {
    it('handles every message type the host posts', () => {
      for (const type of view.hostTypes) assert.ok(view.source.includes(`case '${type}':`), `${type} is not handled`);
    });

    it('sends ready first and only messages the host accepts', () => {
      const types = posted(view.source);
      assert.ok(types.includes('ready'), 'no ready handshake');
      for (const type of types) assert.ok((view.webviewTypes as readonly string[]).includes(type), `${type} is unknown to the host`);
    });

    it('looks up only elements that exist in the page body', () => {
      const ids = lookedUpIds(view.source);
      assert.ok(ids.length > 3);
      for (const id of ids) assert.ok(view.body.includes(`id="${id}"`), `#${id} is missing from the body`);
    });

    it('never writes HTML from data', () => {
      assert.doesNotMatch(view.source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    });
  });
}

describe('webview message guards', () => {
  it('accept the messages each webview sends', () => {
    assert.equal(isPanelWebviewMessage({ type: 'ready' }), true);
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: '24h' } }), true);
    assert.equal(
      isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: '7d', task: 'explain', backend: 'local', language: 'go' } }),
      true,
    );
    assert.equal(isPanelWebviewMessage({ type: 'panel/export', format: 'csv', filters: { range: 'all' } }), true);
    assert.equal(isPanelWebviewMessage({ type: 'panel/reset' }), true);
    assert.equal(isExplainWebviewMessage({ type: 'ready' }), true);
    assert.equal(isExplainWebviewMessage({ type: 'explain/stop' }), true);
    assert.equal(isExplainWebviewMessage({ type: 'explain/feedback', streamId: 's', rating: 1 }), true);
    assert.equal(isExplainWebviewMessage({ type: 'explain/feedback', streamId: 's', rating: -1 }), true);
  });

  it('reject feedback without a stream or with a rating other than 1 or -1', () => {
    for (const rating of [0, 2, '1', null, undefined]) {
      assert.equal(isExplainWebviewMessage({ type: 'explain/feedback', streamId: 's', rating }), false);
    }
    assert.equal(isExplainWebviewMessage({ type: 'explain/feedback', rating: 1 }), false);
  });

  it('reject anything else', () => {
    assert.equal(isPanelWebviewMessage({ type: 'explain/stop' }), false);
    // Panel messages carry filters: anything off the menu is refused before it reaches the server.
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh' }), false);
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: 'forever' } }), false);
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: '1h', task: 'sql' } }), false);
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: '1h', backend: 'gpu' } }), false);
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh', filters: { range: '1h', language: 'x'.repeat(101) } }), false);
    assert.equal(isPanelWebviewMessage({ type: 'panel/export', format: 'xlsx', filters: { range: '1h' } }), false);
    assert.equal(isExplainWebviewMessage({ type: 'panel/refresh' }), false);
    for (const value of [null, undefined, 'ready', 42, {}, { type: 7 }, []]) {
      assert.equal(isPanelWebviewMessage(value), false);
      assert.equal(isExplainWebviewMessage(value), false);
    }
  });
});
