/**
 * CompletionService and privacy per file: excluded files and disabled languages never reach the
 * router (no context, no row), untitled documents are routed local-only.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TandemConfig } from '../../server/src/config';
import { completionServiceUnderTest } from './completionServiceUnderTest';
import { assertAllRowsValid, fakeBackend, FakeRouter, testConfig } from './serviceFakes';

afterEach(assertAllRowsValid);

const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const CURSOR = { line: 3, character: 11 };

function setup(config: TandemConfig = testConfig()) {
  const router = new FakeRouter(fakeBackend('offload'));
  const { service, cache, metrics } = completionServiceUnderTest({ router, config: () => config });
  const provide = (uri: string, languageId = 'python') =>
    service.provide({ document: TextDocument.create(uri, languageId, 1, SOURCE), position: CURSOR, signal: new AbortController().signal });
  return { service, router, cache, metrics, provide };
}

describe('CompletionService: privacy per file', () => {
  it('an excluded file gets no items, reaches no backend and records nothing', async () => {
    const { router, cache, metrics, provide } = setup();
    router.answer({ text: 'math.pi' });
    for (const uri of ['file:///w/.env', 'file:///w/certs/server.pem', 'file:///w/secrets/db.py']) {
      const result = await provide(uri);
      assert.deepEqual(result.items, [], uri);
    }
    assert.equal(router.calls.length, 0);
    assert.equal(metrics.rows.length, 0);
    assert.equal(cache.counters().misses, 0, 'not even the cache was asked');
  });

  it('the user exclude list replaces the default one', async () => {
    const { router, provide } = setup(testConfig({ 'completion.exclude': ['**/generated/**'] }));
    router.answer({ text: 'math.pi' }, { text: 'math.tau' });
    assert.deepEqual((await provide('file:///w/generated/api.py')).items, []);
    assert.equal((await provide('file:///w/.env')).items[0]?.insertText, 'math.pi', 'no longer excluded');
    assert.equal(router.calls.length, 1);
  });

  it('a language switched off is not completed; others are', async () => {
    const { router, provide } = setup(testConfig({ 'completion.languages': { python: false } }));
    router.answer({ text: 'x' });
    assert.deepEqual((await provide('file:///w/a.py', 'python')).items, []);
    assert.deepEqual((await provide('file:///w/a.md', 'markdown')).items, [], 'default map still applies');
    await provide('file:///w/a.ts', 'typescript');
    assert.equal(router.calls.length, 1);
    assert.equal(router.calls[0]?.context.language, 'typescript');
  });

  it('an untitled document is routed local-only unless offloadUntitled is on', async () => {
    const local = setup();
    local.router.answer({ text: 'math.pi' });
    await local.provide('untitled:Untitled-1');
    assert.equal(local.router.calls[0]?.context.localOnly, true);

    const allowed = setup(testConfig({ 'completion.offloadUntitled': true }));
    allowed.router.answer({ text: 'math.pi' });
    await allowed.provide('untitled:Untitled-1');
    assert.equal(allowed.router.calls[0]?.context.localOnly, undefined);

    const saved = setup();
    saved.router.answer({ text: 'math.pi' });
    await saved.provide('file:///w/app.py');
    assert.equal(saved.router.calls[0]?.context.localOnly, undefined);
  });
});
