/**
 * The webview scripts in media/ are plain JS, so these tests check them against the TypeScript
 * side as text: every message type the host posts is handled, every message the script sends is
 * one the host accepts, and every element the script looks up exists in the page body.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXPLAIN_BODY, PANEL_BODY } from '../../../extension/src/webviewBodies';
import {
  EXPLAIN_HOST_MESSAGE_TYPES,
  EXPLAIN_WEBVIEW_MESSAGE_TYPES,
  isExplainWebviewMessage,
  isPanelWebviewMessage,
  PANEL_HOST_MESSAGE_TYPES,
  PANEL_WEBVIEW_MESSAGE_TYPES,
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
  { name: 'panel', source: script('panel.js'), body: PANEL_BODY, hostTypes: PANEL_HOST_MESSAGE_TYPES, webviewTypes: PANEL_WEBVIEW_MESSAGE_TYPES },
  { name: 'explain', source: script('explain.js'), body: EXPLAIN_BODY, hostTypes: EXPLAIN_HOST_MESSAGE_TYPES, webviewTypes: EXPLAIN_WEBVIEW_MESSAGE_TYPES },
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
    assert.equal(isPanelWebviewMessage({ type: 'panel/refresh' }), true);
    assert.equal(isExplainWebviewMessage({ type: 'ready' }), true);
    assert.equal(isExplainWebviewMessage({ type: 'explain/stop' }), true);
  });

  it('reject anything else', () => {
    assert.equal(isPanelWebviewMessage({ type: 'explain/stop' }), false);
    assert.equal(isExplainWebviewMessage({ type: 'panel/refresh' }), false);
    for (const value of [null, undefined, 'ready', 42, {}, { type: 7 }, []]) {
      assert.equal(isPanelWebviewMessage(value), false);
      assert.equal(isExplainWebviewMessage(value), false);
    }
  });
});
