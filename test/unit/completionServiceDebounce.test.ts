/**
 * CompletionService and the debounce that saves work: typing along a shown suggestion is
 * checked before any wait (no debounce, no generation), and the debounce never shrinks below
 * half of `debounceMs` however slow the backend is.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TypingAlong } from '../../server/src/cache/typingAlong';
import { CompletionService } from '../../server/src/completion/completionService';
import type { TandemConfig } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { assertAllRowsValid, fakeBackend, FakeCache, FakeMetrics, FakeRouter, testConfig } from './serviceFakes';

afterEach(assertAllRowsValid);

const URI = 'file:///work/app.py';
const SOURCE = 'import math\n\ndef area(r):\n    return \n';
const AT = SOURCE.indexOf('return ') + 'return '.length;

function setup() {
  const router = new FakeRouter(fakeBackend('local', { fimTemplate: 'tandem' }));
  let config = testConfig();
  const service = new CompletionService({
    router,
    firstChoice: router.firstChoice,
    cache: new FakeCache(),
    typingAlong: new TypingAlong(),
    metrics: new FakeMetrics(),
    config: () => config,
    log: memoryLogger(),
  });
  const provide = (typed: string, invoked = false) =>
    service.provide({
      document: TextDocument.create(URI, 'python', 1, SOURCE.slice(0, AT) + typed + SOURCE.slice(AT)),
      position: { line: 3, character: 11 + typed.length },
      signal: new AbortController().signal,
      invoked,
    });
  return { router, provide, setConfig: (next: TandemConfig) => (config = next) };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('CompletionService: debounce that saves work', () => {
  it('typing along a shown suggestion is answered before any debounce, with no generation', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { router, provide, setConfig } = setup();
    router.answer({ text: 'math.pi * r ** 2' });
    await provide('');
    setConfig(testConfig({ 'completion.debounceMs': 5000 }));
    let answer: string | undefined;
    void provide('math.').then((result) => (answer = String(result.items[0]?.insertText)));
    await flush();
    assert.equal(answer, 'pi * r ** 2', 'served without waiting for any timer');
    assert.equal(router.calls.length, 1);
  });

  it('a slow backend shortens the wait to half of debounceMs, never to zero', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { router, provide, setConfig } = setup();
    setConfig(testConfig({ 'completion.debounceMs': 200 }));
    router.latencyMs = 5000;
    router.answer({ text: 'r * r' });
    const pending = provide('');
    await flush();
    t.mock.timers.tick(99);
    await flush();
    assert.equal(router.calls.length, 0, 'still waiting at 99 ms');
    t.mock.timers.tick(1);
    assert.equal((await pending).items[0]?.insertText, 'r * r');
    assert.equal(router.calls.length, 1);
  });

  it('an explicit request (triggerKind Invoked) is not debounced', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { router, provide, setConfig } = setup();
    setConfig(testConfig({ 'completion.debounceMs': 5000 }));
    router.answer({ text: 'r * r' });
    const result = await provide('', true);
    assert.equal(result.items[0]?.insertText, 'r * r', 'answered without any timer firing');
  });
});
