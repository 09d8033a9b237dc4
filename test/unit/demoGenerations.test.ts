/** The `npm start` summary's "generations started per keystroke", counted from request rows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGenerationsPerKeystroke, generationsStarted } from '../../server/src/demo/summary';
import { requestRow } from '../support/requestRow';

describe('generationsStarted', () => {
  it('counts completion rows that reached the router, including ones cancelled mid-generation', () => {
    const rows = [
      requestRow(),
      requestRow({ outcome: 'cancelled', decision: 'routing failed', backend: null }),
      requestRow({ outcome: 'empty' }),
      requestRow({ cacheTier: 'typing', decision: 'typing along a shown completion' }),
      requestRow({ cacheTier: 'l1' }),
      requestRow({ decision: 'invalid input', outcome: 'error' }),
      requestRow({ shadowOf: 'req-1', outcome: 'answered' }),
      requestRow({ task: 'explain' }),
    ];
    assert.equal(generationsStarted(rows), 3);
  });

  it('formats the ratio per keystroke', () => {
    assert.equal(formatGenerationsPerKeystroke(6, 169), 'Generations started: 6 for 169 keystrokes (0.04 per keystroke).');
    assert.equal(formatGenerationsPerKeystroke(0, 0), 'Generations started: 0 for 0 keystrokes (— per keystroke).');
  });
});
