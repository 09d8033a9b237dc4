import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeoutError } from '../../server/src/backends/backend';
import { InflightRequests, SupersededError } from '../../server/src/completion/inflight';
import { requestSignal } from '../../server/src/pipeline/signals';

describe('InflightRequests', () => {
  it('a newer request for the same document aborts the older one', () => {
    const inflight = new InflightRequests();
    const first = inflight.begin('file:///a.ts');
    const other = inflight.begin('file:///b.ts');
    const second = inflight.begin('file:///a.ts');
    assert.equal(first.signal.aborted, true);
    assert.ok(first.signal.reason instanceof SupersededError);
    assert.equal(second.signal.aborted, false);
    assert.equal(other.signal.aborted, false);
  });

  it('end forgets only the current request', () => {
    const inflight = new InflightRequests();
    const first = inflight.begin('file:///a.ts');
    const second = inflight.begin('file:///a.ts');
    inflight.end('file:///a.ts', first);
    assert.equal(inflight.size, 1);
    inflight.end('file:///a.ts', second);
    assert.equal(inflight.size, 0);
  });

  it('abort and abortAll cancel what is running', () => {
    const inflight = new InflightRequests();
    const a = inflight.begin('file:///a.ts');
    const b = inflight.begin('file:///b.ts');
    inflight.abort('file:///a.ts');
    assert.equal(a.signal.aborted, true);
    assert.equal(b.signal.aborted, false);
    inflight.abortAll();
    assert.equal(b.signal.aborted, true);
    assert.equal(inflight.size, 0);
  });
});

describe('requestSignal', () => {
  it('aborts when any parent aborts, with the parent reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const request = requestSignal([a.signal, b.signal], 60_000, 'Completion');
    b.abort(new Error('cancelled by client'));
    assert.equal(request.signal.aborted, true);
    assert.equal((request.signal.reason as Error).message, 'cancelled by client');
    assert.equal(request.timedOut(), false);
  });

  it('aborts with a TimeoutError when the limit passes', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const request = requestSignal([new AbortController().signal], 500, 'Completion');
    t.mock.timers.tick(500);
    assert.equal(request.signal.aborted, true);
    assert.ok(request.signal.reason instanceof TimeoutError);
    assert.equal(request.timedOut(), true);
  });

  it('starts aborted when a parent already is', () => {
    const request = requestSignal([AbortSignal.abort('gone')], 500, 'Completion');
    assert.equal(request.signal.aborted, true);
    assert.equal(request.signal.reason, 'gone');
  });

  it('after dispose neither parents nor the timer reach it', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const parent = new AbortController();
    const request = requestSignal([parent.signal], 500, 'Completion');
    request.dispose();
    parent.abort();
    t.mock.timers.tick(1000);
    assert.equal(request.signal.aborted, false);
  });
});
