import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExplainResult } from '../../../server/src/protocol';
import { isCancellation } from '../../../extension/src/cancellation';
import {
  applyExplainFailure,
  applyExplainFeedback,
  applyExplainResult,
  applyExplainStop,
  applyStreamDelta,
  describeExplainError,
  explainBadge,
  startExplainState,
} from '../../../extension/src/explainSession';
import { ServerNotRunningError } from '../../../extension/src/serverDown';

const result: ExplainResult = {
  requestId: 'row-1',
  text: 'Parses a number.',
  backend: 'offload',
  model: 'codellama-7b-instruct',
  ttftMs: 212.4,
  e2eMs: 1830,
  cacheTier: 'none',
};

describe('explain session state', () => {
  it('appends deltas of its own stream and ignores others', () => {
    let state = startExplainState('s1', 'a.ts:1–3');
    state = applyStreamDelta(state, { streamId: 's1', delta: 'Parses ' });
    state = applyStreamDelta(state, { streamId: 'other', delta: 'noise' });
    state = applyStreamDelta(state, { streamId: 's1', delta: 'a number' });
    assert.equal(state.text, 'Parses a number');
    assert.equal(state.phase, 'streaming');
  });

  it('discards earlier text when a fallback resets the stream', () => {
    let state = startExplainState('s1', 't');
    state = applyStreamDelta(state, { streamId: 's1', delta: 'half an answer from offl' });
    state = applyStreamDelta(state, { streamId: 's1', delta: 'Local answer', reset: true });
    assert.equal(state.text, 'Local answer');
  });

  it('takes the final text and badge from the result (a cache hit streams nothing)', () => {
    const state = applyExplainResult(startExplainState('s1', 't'), { ...result, cacheTier: 'l1', note: 'One-line summaries only.' });
    assert.equal(state.phase, 'done');
    assert.equal(state.text, 'Parses a number.');
    assert.equal(state.note, 'One-line summaries only.');
    assert.deepEqual(state.badge, {
      backend: 'offload',
      model: 'codellama-7b-instruct',
      ttft: '212 ms',
      total: '1.83 s',
      cache: 'cache l1',
    });
  });

  it('keeps the request id of the answer, and takes a vote only on a complete answer of the same stream', () => {
    const done = applyExplainResult(startExplainState('s1', 't'), result);
    assert.equal(done.requestId, 'row-1');
    const up = applyExplainFeedback(done, 's1', 1);
    assert.equal(up.feedback, 1);
    assert.equal(applyExplainFeedback(up, 's1', 1), up, 'the same vote again changes nothing');
    assert.equal(applyExplainFeedback(up, 's1', -1).feedback, -1, 'the last vote wins');
    assert.equal(applyExplainFeedback(done, 'other', 1), done);
    const streaming = startExplainState('s1', 't');
    assert.equal(applyExplainFeedback(streaming, 's1', 1), streaming);
    const { requestId: _omitted, ...withoutId } = result;
    const unnamed = applyExplainResult(startExplainState('s1', 't'), withoutId as ExplainResult);
    assert.equal(unnamed.requestId, undefined);
    assert.equal(applyExplainFeedback(unnamed, 's1', 1), unnamed);
  });

  it('ignores deltas after the end', () => {
    const done = applyExplainResult(startExplainState('s1', 't'), result);
    assert.equal(applyStreamDelta(done, { streamId: 's1', delta: 'late' }), done);
  });

  it('keeps a stopped explanation stopped', () => {
    const stopped = applyExplainStop(applyStreamDelta(startExplainState('s1', 't'), { streamId: 's1', delta: 'par' }));
    assert.equal(stopped.phase, 'stopped');
    assert.equal(stopped.text, 'par');
    assert.equal(applyExplainResult(stopped, result), stopped);
    assert.equal(applyExplainFailure(stopped, new Error('x')), stopped);
  });

  it('turns a cancellation into stopped and other failures into one message', () => {
    const cancelled = applyExplainFailure(startExplainState('s1', 't'), { code: -32800, message: 'Explain was cancelled.' });
    assert.equal(cancelled.phase, 'stopped');
    const failed = applyExplainFailure(startExplainState('s1', 't'), new Error('No backend can answer: the local model failed to load.'));
    assert.equal(failed.phase, 'error');
    assert.equal(
      failed.error,
      'Tandem could not explain this selection: No backend can answer: the local model failed to load. ' +
        'See "Tandem: Show Log", and check the local model and the tandem.offload.url setting.',
    );
  });

  it('names a fallback in the badge', () => {
    assert.equal(explainBadge({ ...result, backend: 'local', fallbackReason: 'offload timed out' }).fallbackReason, 'offload timed out');
    assert.equal(explainBadge(result).fallbackReason, undefined);
  });
});

describe('describeExplainError', () => {
  it('uses the server-down sentence as is', () => {
    assert.equal(describeExplainError(new ServerNotRunningError()), new ServerNotRunningError().message);
  });

  it('shows a refusal (InvalidParams, e.g. an excluded file) as the server worded it', () => {
    const message = 'This file matches tandem.completion.exclude, so Tandem sends none of its text to any model.';
    assert.equal(describeExplainError({ code: -32602, message }), message);
  });

  it('reads messages from errors, JSON-RPC error objects and strings', () => {
    assert.match(describeExplainError({ code: -32603, message: 'boom' }), /: boom\. See/);
    assert.match(describeExplainError('plain'), /: plain\. See/);
    assert.match(describeExplainError(42), /and gave no reason\. See/);
  });
});

describe('isCancellation', () => {
  it('recognises JSON-RPC, VS Code and abort cancellations only', () => {
    assert.equal(isCancellation({ code: -32800 }), true);
    assert.equal(isCancellation({ name: 'Canceled' }), true);
    assert.equal(isCancellation({ name: 'AbortError' }), true);
    assert.equal(isCancellation(new Error('Canceled')), false);
    assert.equal(isCancellation({ code: -32603 }), false);
    assert.equal(isCancellation(undefined), false);
  });
});
