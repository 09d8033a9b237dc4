import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopText } from '../../server/src/backends/local/stopText';

/** Feeds growing decoded texts and returns the deltas StopText lets through. */
function run(stops: string[], steps: string[]): { deltas: string[]; stopped: boolean } {
  const text = new StopText(stops);
  const deltas = steps.map((step) => text.update(step));
  deltas.push(text.finish(steps[steps.length - 1] ?? ''));
  return { deltas: deltas.filter(Boolean), stopped: text.stopped };
}

describe('StopText', () => {
  it('passes text through when there are no stops', () => {
    assert.deepEqual(run([], ['ret', 'return', 'return x']).deltas, ['ret', 'urn', ' x']);
  });

  it('cuts at a stop sequence and reports that generation should stop', () => {
    const result = run(['\n'], ['a = 1', 'a = 1\nb', 'a = 1\nb = 2']);
    assert.deepEqual(result.deltas, ['a = 1']);
    assert.equal(result.stopped, true);
  });

  it('never shows half of a stop sequence', () => {
    const text = new StopText(['\n\n']);
    assert.equal(text.update('x\n'), 'x');
    assert.equal(text.update('x\ny'), '\ny');
    assert.equal(text.update('x\ny\n\nz'), '');
    assert.equal(text.stopped, true);
    assert.equal(text.visible('x\ny\n\nz'), 'x\ny');
  });

  it('flushes a held-back partial stop at the end when it never completed', () => {
    assert.deepEqual(run(['</s>'], ['done<', 'done</']).deltas, ['done', '</']);
  });

  it('holds back an incomplete multi-byte character', () => {
    const text = new StopText([]);
    assert.equal(text.update('caf\uFFFD'), 'caf');
    assert.equal(text.update('café'), 'é');
  });

  it('uses the earliest of several stops', () => {
    const text = new StopText(['}', ';']);
    assert.equal(text.update('a; b}'), 'a');
  });
});
