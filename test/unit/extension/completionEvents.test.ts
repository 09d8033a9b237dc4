import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompletionItemData } from '../../../server/src/protocol';
import { acceptedLengthOf, CompletionEventTracker, isCompletionItemData } from '../../../extension/src/completionEvents';

const item = (requestId = 'r1', insertTextLength = 20): CompletionItemData => ({ requestId, backend: 'local', insertTextLength });

describe('CompletionEventTracker', () => {
  it('reports each item as shown once, however often VS Code shows it', () => {
    const tracker = new CompletionEventTracker();
    assert.equal(tracker.shown(item()), true);
    assert.equal(tracker.shown(item()), false);
    assert.equal(tracker.shown(item('r2')), true);
  });

  it('reports a partial accept only when the accepted length grows (VS Code calls twice per step)', () => {
    const tracker = new CompletionEventTracker();
    assert.equal(tracker.partiallyAccepted(item(), 5), 5);
    assert.equal(tracker.partiallyAccepted(item(), 5), undefined);
    assert.equal(tracker.partiallyAccepted(item(), 12), 12);
    assert.equal(tracker.partiallyAccepted(item(), 99), 20, 'capped at the item length');
    assert.equal(tracker.partiallyAccepted(item(), 0), undefined);
    assert.equal(tracker.partiallyAccepted(item('r2'), Number.NaN), undefined);
  });

  it('reports a full accept once, and no partial accept after it', () => {
    const tracker = new CompletionEventTracker();
    tracker.partiallyAccepted(item(), 4);
    assert.equal(tracker.accepted(item()), 20);
    assert.equal(tracker.accepted(item()), undefined);
    assert.equal(tracker.partiallyAccepted(item(), 20), undefined);
  });

  it('reports a rejection only for a shown item of which nothing was accepted', () => {
    const tracker = new CompletionEventTracker();
    assert.equal(tracker.rejected(item('never-shown')), false);
    tracker.shown(item('a'));
    assert.equal(tracker.rejected(item('a')), true);
    assert.equal(tracker.rejected(item('a')), false, 'once');
    tracker.shown(item('b'));
    tracker.partiallyAccepted(item('b'), 3);
    assert.equal(tracker.rejected(item('b')), false);
  });

  it('counts from the start of the suggestion for the rest served while typing along (offset)', () => {
    const tracker = new CompletionEventTracker();
    const rest = { ...item('r1', 15), offset: 5 }; // 5 of 20 typed: the server answered with the other 15
    assert.equal(tracker.shown(item('r1')), true);
    assert.equal(tracker.shown(rest), false, 'the same suggestion: shown once');
    assert.equal(tracker.partiallyAccepted(rest, 3), 8, '5 typed + 3 accepted');
    assert.equal(tracker.partiallyAccepted(item('r1'), 8), undefined, 'the same point, seen on the earlier item');
    assert.equal(tracker.accepted(rest), 20);
  });

  it('forgets the oldest items beyond its bound', () => {
    const tracker = new CompletionEventTracker();
    tracker.shown(item('first'));
    for (let i = 0; i < 300; i++) tracker.shown(item(`r${i}`));
    assert.equal(tracker.shown(item('first')), true, 'evicted, so it counts as new');
    assert.equal(tracker.shown(item('r299')), false, 'recent items are remembered');
  });
});

describe('isCompletionItemData', () => {
  it('accepts what the server sends and rejects anything else', () => {
    assert.equal(isCompletionItemData(item()), true);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'offload', insertTextLength: 0 }), true);
    assert.equal(isCompletionItemData({ requestId: '', backend: 'local', insertTextLength: 1 }), false);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'cloud', insertTextLength: 1 }), false);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'local', insertTextLength: 1.5 }), false);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'local', insertTextLength: 1, offset: 4 }), true);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'local', insertTextLength: 1, offset: -1 }), false);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'local', insertTextLength: 1, offset: '4' }), false);
    assert.equal(isCompletionItemData({ requestId: 'x', backend: 'local' }), false);
    assert.equal(isCompletionItemData(null), false);
    assert.equal(isCompletionItemData('r1'), false);
  });
});

describe('acceptedLengthOf', () => {
  it('reads both shapes VS Code passes', () => {
    assert.equal(acceptedLengthOf(7), 7);
    assert.equal(acceptedLengthOf({ kind: 1, acceptedLength: 9 }), 9);
    assert.equal(acceptedLengthOf({ kind: 1 }), undefined);
    assert.equal(acceptedLengthOf(undefined), undefined);
  });
});
