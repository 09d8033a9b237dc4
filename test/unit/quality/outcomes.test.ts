/**
 * CompletionOutcomes (completion/outcomes.ts) on its own: row patches for display, candidates,
 * typing along, accepts and rejects, and what an accept hands to the quality measures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompletionOutcomes, type AcceptedText } from '../../../server/src/completion/outcomes';
import type { RowPatch } from '../../../server/src/metrics/types';

function setup() {
  const patches: Array<{ id: string; patch: RowPatch }> = [];
  const accepted: AcceptedText[] = [];
  const outcomes = new CompletionOutcomes({ update: (id, patch) => patches.push({ id, patch }) }, (a) => accepted.push(a));
  outcomes.track('req-1', { text: 'return a + b;', uri: 'file:///a.ts', languageId: 'typescript', offset: 100 });
  return { outcomes, patches, accepted };
}

describe('CompletionOutcomes', () => {
  it('displayed once; shownChars follow the candidate the editor displayed', () => {
    const { outcomes, patches } = setup();
    outcomes.trackCandidate('req-1#2', 'req-1', 'return b + a;  // swapped');
    assert.equal(outcomes.didShow('req-1'), true);
    assert.equal(outcomes.didShow('req-1'), true);
    outcomes.didShow('req-1#2');
    assert.equal(outcomes.didShow('nope'), false);
    assert.deepEqual(patches, [
      { id: 'req-1', patch: { displayed: 1 } },
      { id: 'req-1', patch: { shownChars: 'return b + a;  // swapped'.length } },
    ]);
  });

  it('typed along then accepted: the accept hands over only the accepted part, where it went', () => {
    const { outcomes, patches, accepted } = setup();
    outcomes.didTypeAlong('req-1', 7); // "return "
    assert.equal(outcomes.didAccept('req-1', 13), 'accepted');
    assert.deepEqual(patches, [
      { id: 'req-1', patch: { typedChars: 7 } },
      { id: 'req-1', patch: { outcome: 'accepted', acceptedChars: 6 } },
    ]);
    assert.deepEqual(accepted, [{ rowId: 'req-1', uri: 'file:///a.ts', languageId: 'typescript', text: 'a + b;', offset: 107 }]);
    assert.equal(outcomes.didAccept('req-1', 13), undefined, 'nothing new');
  });

  it('a reject is recorded once; an accept after it still counts', () => {
    const { outcomes, patches } = setup();
    assert.equal(outcomes.didReject('req-1'), 'rejected');
    assert.equal(outcomes.didReject('req-1'), undefined);
    assert.equal(outcomes.didAccept('req-1', 6), 'partial');
    assert.equal(outcomes.didReject('req-1'), undefined, 'accepted stays accepted');
    assert.deepEqual(
      patches.map((p) => p.patch.outcome),
      ['rejected', 'partial'],
    );
  });
});
