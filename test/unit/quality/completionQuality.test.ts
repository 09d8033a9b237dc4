/**
 * From an accept to the quality fields of its row (completion/quality/completionQuality.ts),
 * through the completion service: the accepted text is found in the server's document, its
 * syntax validity is recorded, and its survival follows the document's changes.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { TypingAlong } from '../../../server/src/cache/typingAlong';
import { CompletionService } from '../../../server/src/completion/completionService';
import { locateInsertion } from '../../../server/src/completion/quality/completionQuality';
import type { SurvivalClock } from '../../../server/src/completion/quality/survival';
import { loadGrammars } from '../../../server/src/completion/syntax/grammars';
import { memoryLogger } from '../../../server/src/logger';
import { assertAllRowsValid, FakeCache, fakeBackend, FakeRouter, testConfig } from '../serviceFakes';

import { PatchingMetrics } from './qualityFakes';

const URI = 'file:///work/app.py';
// Mid-statement: the cursor filters leave the suggestion on this line (after a bare `return `,
// which parses as a whole statement, they would move it to the next one).
const SOURCE = 'import math\n\ndef area(r):\n    result = \n    return result\n';
const CURSOR = { line: 3, character: 13 };
const AT = SOURCE.indexOf('result = ') + 'result = '.length;

class ManualClock implements SurvivalClock {
  private readonly timers: Array<{ at: number; run: () => void; live: boolean }> = [];
  private now = 0;
  schedule(run: () => void, ms: number) {
    const timer = { at: this.now + ms, run, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  advance(ms: number): void {
    this.now += ms;
    for (const timer of this.timers) {
      if (timer.live && timer.at <= this.now) {
        timer.live = false;
        timer.run();
      }
    }
  }
}

function setup(answer: string) {
  const router = new FakeRouter(fakeBackend('local', { fimTemplate: 'tandem' })).answer({ text: answer });
  const metrics = new PatchingMetrics();
  const clock = new ManualClock();
  let document = TextDocument.create(URI, 'python', 1, SOURCE);
  let ids = 0;
  const service = new CompletionService({
    router,
    firstChoice: () => router.first,
    cache: new FakeCache(),
    typingAlong: new TypingAlong(),
    metrics,
    config: () => testConfig(),
    log: memoryLogger(),
    newId: () => `req-${++ids}`,
    quality: { document: (uri) => (uri === URI ? document : undefined), clock },
  });
  /** Applies a change the way the server does: listeners first, then the document. */
  const change = (from: number, to: number, text: string) => {
    const changes: TextDocumentContentChangeEvent[] = [{ range: { start: document.positionAt(from), end: document.positionAt(to) }, text }];
    service.documentWillChange(document, changes);
    document = TextDocument.update(document, changes, document.version + 1);
  };
  const provide = () => service.provide({ document, position: CURSOR, signal: new AbortController().signal });
  return { service, metrics, clock, change, provide, text: () => document.getText() };
}

/** Lets the syntax check (it awaits the grammar) finish. */
async function settle(): Promise<void> {
  await loadGrammars(['python']);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

afterEach(assertAllRowsValid);

describe('quality of an accepted completion, through the service', () => {
  it('a clean accept: syntaxError 0, and survival 1 at 30 s and 120 s when kept', async () => {
    const { service, metrics, clock, change, provide } = setup('math.pi * r ** 2');
    await provide();
    change(AT, AT, 'math.pi * r ** 2'); // VS Code inserts, then the accept arrives
    service.didAccept('req-1', 16);
    await settle();
    assert.equal(metrics.row('req-1')?.syntaxError, 0);
    clock.advance(30_000);
    assert.equal(metrics.row('req-1')?.survival30s, 1);
    clock.advance(90_000);
    assert.equal(metrics.row('req-1')?.survival120s, 1);
  });

  it('an accept that breaks the parse: syntaxError 1; rewritten by the user: survival below 1', async () => {
    const broken = 'math.pi r ** 2';
    const { service, metrics, clock, change, provide, text } = setup(broken);
    assert.equal((await provide()).items[0]?.insertText, broken);
    change(AT, AT, broken);
    service.didAccept('req-1', broken.length);
    await settle();
    assert.equal(metrics.row('req-1')?.syntaxError, 1);
    change(0, 0, '# area of a circle\n'); // above: moves the range
    const at = text().indexOf('pi r');
    change(at, at + 'pi r'.length, 'pi * r');
    clock.advance(30_000);
    const survival = metrics.row('req-1')?.survival30s ?? -1;
    assert.ok(survival > 0 && survival < 1, `partly kept: ${survival}`);
  });

  it('a closed document gets no survival values', async () => {
    const { service, metrics, clock, change, provide } = setup('math.pi * r ** 2');
    await provide();
    change(AT, AT, 'math.pi * r ** 2');
    service.didAccept('req-1', 16);
    service.documentClosed(URI);
    clock.advance(120_000);
    assert.equal(metrics.row('req-1')?.survival30s, undefined);
    assert.equal(metrics.row('req-1')?.survival120s, undefined);
  });
});

describe('locateInsertion', () => {
  it('finds the accepted text where it was returned, else the nearest occurrence, else nothing', () => {
    assert.equal(locateInsertion('abc xyz abc', 'xyz', 4), 4);
    assert.equal(locateInsertion('// new line\nabc xyz', 'xyz', 4), 16, 'moved by an edit above');
    assert.equal(locateInsertion('xyz ... xyz', 'xyz', 7), 8, 'the nearer one');
    assert.equal(locateInsertion('abc', 'xyz', 0), undefined);
    assert.equal(locateInsertion('abc', '', 0), undefined);
  });
});
