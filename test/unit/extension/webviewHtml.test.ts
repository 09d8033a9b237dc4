import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, makeNonce, renderWebviewHtml } from '../../../extension/src/webviewHtml';
import { escapeAttribute } from '../../../webview/shared/htmlPage';

const page = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abc123',
  title: 'Tandem <Performance>',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.js',
  body: '<main id="root"></main>',
};

describe('webview HTML', () => {
  it('allows nothing by default, scripts only with the nonce, styles only from the webview origin', () => {
    const csp = contentSecurityPolicy(page.cspSource, page.nonce);
    const directives = csp.split('; ');
    assert.equal(directives[0], "default-src 'none'");
    assert.ok(directives.includes(`script-src 'nonce-abc123'`));
    assert.ok(directives.includes(`style-src ${page.cspSource}`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  it('puts the CSP, the stylesheet and the nonce-tagged script in the page', () => {
    const html = renderWebviewHtml(page);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; /);
    assert.ok(html.includes(`<link rel="stylesheet" href="${page.styleUri}">`));
    assert.ok(html.includes(`<script nonce="abc123" src="${page.scriptUri}"></script>`));
    assert.ok(html.includes('<title>Tandem &lt;Performance&gt;</title>'));
    assert.ok(html.includes(page.body));
    assert.equal(html.match(/<script/g)?.length, 1, 'no inline script');
  });

  it('escapes attribute values', () => {
    assert.equal(escapeAttribute(`a"b'c<d>&`), 'a&quot;b&#39;c&lt;d&gt;&amp;');
  });

  it('makes a fresh URL-safe nonce each time', () => {
    const first = makeNonce();
    assert.match(first, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(makeNonce(), first);
  });
});
