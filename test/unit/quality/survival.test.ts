/**
 * Survival of accepted completions (completion/quality/survival.ts): the accepted range followed
 * through scripted document changes, checkpoints at 30 s and 120 s on a hand-driven clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { RowPatch } from '../../../server/src/metrics/types';
import { offsetEdits } from '../../../server/src/completion/quality/documentEdits';
import { applyEdit, SurvivalTracker, type SurvivalClock } from '../../../server/src/completion/quality/survival';
import { editSimilarity } from '../../../server/src/metrics/textMetrics';

/** Timers that fire only when the test advances time. */
class ManualClock implements SurvivalClock {
  now = 0;
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  schedule(callback: () => void, ms: number) {
    const timer = { at: this.now + ms, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.at <= this.now && !t.cancelled).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.now && !t.cancelled);
    for (const timer of due) timer.callback();
  }
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

const URI = 'file:///work/app.ts';
const ACCEPTED = 'return a + b;';
const BEFORE = 'function add(a: number, b: number) {\n  ';
const AFTER = '\n}\n';

/** A document with the accepted text in it, a tracker following it, and a way to edit. */
function scenario(maxTracked?: number) {
  const clock = new ManualClock();
  const updates: Array<{ id: string; patch: RowPatch }> = [];
  const tracker = new SurvivalTracker({ update: (id, patch) => updates.push({ id, patch }), clock, ...(maxTracked ? { maxTracked } : {}) });
  let document = TextDocument.create(URI, 'typescript', 1, BEFORE + ACCEPTED + AFTER);
  tracker.track('req-1', URI, BEFORE.length, ACCEPTED);
  /** Replaces [from, to) of the current text, as the server's document window would see it. */
  const edit = (from: number, to: number, text: string) => {
    const change = { range: { start: document.positionAt(from), end: document.positionAt(to) }, text };
    tracker.noteEdits(URI, offsetEdits(document, [change]));
    document = TextDocument.update(document, [change], document.version + 1);
  };
  const text = () => document.getText();
  return { clock, updates, tracker, edit, text };
}

describe('survival of an accepted completion', () => {
  it('kept as accepted: 1 at 30 s and at 120 s, then no longer tracked', () => {
    const { clock, updates, tracker } = scenario();
    clock.advance(29_999);
    assert.deepEqual(updates, []);
    clock.advance(1);
    assert.deepEqual(updates, [{ id: 'req-1', patch: { survival30s: 1 } }]);
    clock.advance(90_000);
    assert.deepEqual(updates.slice(1), [{ id: 'req-1', patch: { survival120s: 1 } }]);
    assert.equal(tracker.size, 0);
    assert.equal(clock.pending, 0);
  });

  it('edited inside: the similarity of what stands there now', () => {
    const { clock, updates, edit, text } = scenario();
    const at = text().indexOf('a + b');
    edit(at, at + 'a + b'.length, 'sum(a, b)');
    clock.advance(30_000);
    const expected = editSimilarity(ACCEPTED, 'return sum(a, b);');
    assert.ok(expected > 0.5 && expected < 1);
    assert.deepEqual(updates, [{ id: 'req-1', patch: { survival30s: expected } }]);
    // Typed right after the range (a new statement) is not part of it.
    edit(text().indexOf(AFTER), text().indexOf(AFTER), ' // done');
    clock.advance(90_000);
    assert.deepEqual(updates[1], { id: 'req-1', patch: { survival120s: expected } });
  });

  it('deleted: 0; text typed in its place counts as what stands there', () => {
    const deleted = scenario();
    deleted.edit(BEFORE.length, BEFORE.length + ACCEPTED.length, '');
    deleted.clock.advance(30_000);
    assert.deepEqual(deleted.updates, [{ id: 'req-1', patch: { survival30s: 0 } }]);

    const retyped = scenario();
    retyped.edit(BEFORE.length, BEFORE.length + ACCEPTED.length, '');
    retyped.edit(BEFORE.length, BEFORE.length, 'return a+b;');
    retyped.clock.advance(30_000);
    assert.deepEqual(retyped.updates, [{ id: 'req-1', patch: { survival30s: editSimilarity(ACCEPTED, 'return a+b;') } }]);
  });

  it('lines inserted above move the range, and it still survives', () => {
    const { clock, updates, edit, text } = scenario();
    edit(0, 0, 'import { x } from "./x";\n\n');
    edit(text().indexOf('{\n') + 2, text().indexOf('{\n') + 2, '  const unused = 1;\n');
    assert.ok(text().includes(`  const unused = 1;\n  ${ACCEPTED}`));
    clock.advance(30_000);
    assert.deepEqual(updates, [{ id: 'req-1', patch: { survival30s: 1 } }]);
  });

  it('a closed document ends tracking with no value (unknown, not 0)', () => {
    const { clock, updates, tracker } = scenario();
    tracker.documentClosed('file:///other.ts');
    assert.equal(tracker.size, 1);
    tracker.documentClosed(URI);
    clock.advance(120_000);
    assert.deepEqual(updates, []);
    assert.equal(tracker.size, 0);
    assert.equal(clock.pending, 0, 'its timers are cancelled');
  });

  it('a whole-text replacement ends tracking with no value', () => {
    const { clock, updates, tracker } = scenario();
    tracker.noteEdits(URI, undefined);
    clock.advance(120_000);
    assert.deepEqual(updates, []);
  });

  it('a later accept of the same row restarts its checkpoints; the oldest accept beyond the bound is dropped', () => {
    const { clock, updates, tracker } = scenario(2);
    clock.advance(20_000);
    tracker.track('req-1', URI, BEFORE.length, ACCEPTED); // the rest of a partial accept
    clock.advance(20_000);
    assert.equal(updates.length, 0, 'counts from the last accept');
    tracker.track('req-2', URI, 0, 'function');
    tracker.track('req-3', URI, 0, 'function');
    assert.equal(tracker.size, 2);
    clock.advance(30_000);
    assert.deepEqual(updates.map((u) => u.id).sort(), ['req-2', 'req-3']);
  });
});

describe('applyEdit', () => {
  const range = { start: 10, end: 15, text: 'hello' };
  it('shifts for edits before, ignores edits after, absorbs overlapping edits', () => {
    assert.deepEqual(applyEdit(range, { start: 0, end: 2, text: 'abcd' }), { start: 12, end: 17, text: 'hello' });
    assert.deepEqual(
      applyEdit(range, { start: 10, end: 10, text: 'xx' }),
      { start: 12, end: 17, text: 'hello' },
      'insert at its start is before',
    );
    assert.deepEqual(applyEdit(range, { start: 15, end: 15, text: 'xx' }), range, 'insert at its end is after');
    assert.deepEqual(applyEdit(range, { start: 12, end: 13, text: 'LL' }), { start: 10, end: 16, text: 'heLLlo' });
    assert.deepEqual(applyEdit(range, { start: 8, end: 12, text: '' }), { start: 8, end: 11, text: 'llo' });
    assert.deepEqual(applyEdit(range, { start: 13, end: 20, text: 'p!' }), { start: 10, end: 15, text: 'help!' });
  });
});

describe('offsetEdits', () => {
  it('gives each change of a multi-cursor edit its offsets in the text before it', () => {
    const document = TextDocument.create(URI, 'typescript', 1, 'ab\ncd\nef');
    const changes = [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'X\n' },
      { range: { start: { line: 3, character: 1 }, end: { line: 3, character: 2 } }, text: 'Y' },
    ];
    assert.deepEqual(offsetEdits(document, changes), [
      { start: 0, end: 0, text: 'X\n' },
      { start: 9, end: 10, text: 'Y' }, // 'f' of 'X\nab\ncd\nef'
    ]);
    assert.equal(document.getText(), 'ab\ncd\nef', 'the document itself is not changed');
    assert.equal(offsetEdits(document, [{ text: 'all new' }]), undefined);
  });
});
