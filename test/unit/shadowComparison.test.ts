import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedReference, anchorAt, compareAnswers, typedReference, writtenSince } from '../../server/src/completion/shadowComparison';
import { shadowStats } from '../../server/src/metrics/shadowStats';
import { requestRow } from '../support/requestRow';

const BEFORE = 'def area(r):\n    return ';
const anchor = anchorAt({ prefix: BEFORE, offset: 100 });

describe('shadow comparison: what the user wrote', () => {
  it('reads the text typed since the anchor from a later context', () => {
    assert.equal(writtenSince(anchor, { prefix: `${BEFORE}math.p`, offset: 106 }), 'math.p');
    assert.equal(writtenSince(anchor, { prefix: BEFORE, offset: 100 }), '');
  });

  it('follows a prefix window that starts later, as long as it still covers the text before the anchor', () => {
    const long = `${'# notes\n'.repeat(20)}${BEFORE}`;
    const at = anchorAt({ prefix: long, offset: long.length });
    const later = `${long}math.pi`.slice(50);
    assert.equal(writtenSince(at, { prefix: later, offset: long.length + 7 }), 'math.pi');
  });

  it('sees that the cursor left: moved back, or the text before the anchor changed', () => {
    assert.equal(writtenSince(anchor, { prefix: BEFORE.slice(0, -1), offset: 99 }), undefined);
    assert.equal(writtenSince(anchor, { prefix: 'def other(r):\n    return x', offset: 101 }), undefined);
    assert.equal(writtenSince(anchor, { prefix: 'x', offset: 5000 }), undefined, 'window no longer covers it');
  });

  it('completes a typed reference once the user moves past the completion’s last line', () => {
    assert.deepEqual(typedReference('math.pi', 'math.pi * r ** 2'), { text: 'math.pi', complete: false, source: 'typed' });
    assert.deepEqual(typedReference('r * r\n    ', 'math.pi * r ** 2'), { text: 'r * r', complete: true, source: 'typed' });
    assert.deepEqual(typedReference('\n  a\n  b\n', '\n  a'), { text: '\n  a', complete: true, source: 'typed' });
  });

  it('takes the accepted part of the shown text; a full accept is complete', () => {
    assert.deepEqual(acceptedReference('math.pi * r', 4), { text: 'math', complete: false, source: 'accepted' });
    assert.deepEqual(acceptedReference('math.pi * r', 11), { text: 'math.pi * r', complete: true, source: 'accepted' });
  });
});

describe('shadow comparison: scores', () => {
  it('scores both answers against a complete reference over its lines', () => {
    const fields = compareAnswers('math.pi * r ** 2', 'math.pi * r * r\nextra line', {
      text: 'math.pi * r * r',
      complete: true,
      source: 'typed',
    });
    assert.equal(fields.comparedWith, 'typed');
    assert.equal(fields.shadowSimilarity, 1, 'lines beyond the reference do not count');
    assert.equal(fields.shadowFirstLineMatch, 1);
    assert.equal(fields.shownFirstLineMatch, 0);
    assert.ok(fields.shownSimilarity !== undefined && fields.shownSimilarity > 0.8 && fields.shownSimilarity < 1);
  });

  it('compares only as far as an incomplete reference goes', () => {
    const fields = compareAnswers('math.pi * r ** 2', 'math.tau / 2', { text: 'math.p', complete: false, source: 'accepted' });
    assert.equal(fields.shownSimilarity, 1);
    assert.equal(fields.shownFirstLineMatch, 1);
    assert.equal(fields.shadowFirstLineMatch, 0);
  });

  it('has nothing to compare when the user wrote nothing', () => {
    assert.deepEqual(compareAnswers('a', 'b', { text: '  ', complete: false, source: 'typed' }), {});
  });
});

describe('shadow stats', () => {
  it('counts shadow rows per backend and averages the compared ones only', () => {
    const stats = shadowStats([
      requestRow({ backend: 'local', outcome: 'shown' }),
      requestRow({
        backend: 'offload',
        shadowOf: 'a',
        outcome: 'answered',
        comparedWith: 'accepted',
        shadowSimilarity: 0.5,
        shownSimilarity: 1,
        shadowFirstLineMatch: 0,
        shownFirstLineMatch: 1,
      }),
      requestRow({
        backend: 'offload',
        shadowOf: 'b',
        outcome: 'answered',
        comparedWith: 'typed',
        shadowSimilarity: 1,
        shownSimilarity: 0.5,
        shadowFirstLineMatch: 1,
        shownFirstLineMatch: 0,
      }),
      requestRow({ backend: 'offload', shadowOf: 'c', outcome: 'answered' }),
      requestRow({ backend: 'offload', shadowOf: 'd', outcome: 'cancelled' }),
      requestRow({ backend: 'offload', shadowOf: 'e', outcome: 'error', errorClass: 'HttpError' }),
    ]);
    assert.deepEqual(stats, [
      {
        backend: 'offload',
        shownBackend: 'local',
        requests: 5,
        answered: 3,
        errors: 1,
        cancelled: 1,
        compared: 2,
        shadowSimilarity: 0.75,
        shownSimilarity: 0.75,
        shadowFirstLineMatchRate: 0.5,
        shownFirstLineMatchRate: 0.5,
      },
    ]);
    assert.deepEqual(shadowStats([requestRow()]), []);
  });
});
