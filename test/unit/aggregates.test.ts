import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateByBackend } from '../../server/src/metrics/aggregates';
import { requestRow } from '../support/requestRow';

describe('aggregateByBackend', () => {
  const rows = [
    // local: three generations, one cache hit, one error, one cancellation
    requestRow({ backend: 'local', ttftMs: 10, e2eMs: 100, tokensPerSecond: 50, outcome: 'accepted' }),
    requestRow({ backend: 'local', ttftMs: 20, e2eMs: 200, tokensPerSecond: 40, outcome: 'partial', acceptedChars: 3 }),
    requestRow({ backend: 'local', ttftMs: 30, e2eMs: 300, tokensPerSecond: 30, outcome: 'rejected' }),
    requestRow({ backend: 'local', cacheTier: 'l1', ttftMs: 1, e2eMs: 1, tokensPerSecond: null, outcome: 'shown', promptTokens: null, completionTokens: null }),
    requestRow({ backend: 'local', outcome: 'error', errorClass: 'BackendTimeoutError', ttftMs: null, e2eMs: 4000 }),
    requestRow({ backend: 'local', outcome: 'cancelled', ttftMs: 5, e2eMs: 7 }),
    // offload: one generation that fell back from nowhere, one explain, one typing-along hit
    requestRow({ backend: 'offload', model: 'codellama-7b', ttftMs: 200, e2eMs: 900, promptTokens: 600_000, completionTokens: 400_000, outcome: 'shown' }),
    requestRow({ backend: 'offload', model: 'codellama-7b-instruct', task: 'explain', ttftMs: 300, e2eMs: 3000, outcome: 'answered', fallbackReason: 'offload timed out' }),
    requestRow({ backend: 'offload', model: 'codellama-7b', cacheTier: 'typing', outcome: 'accepted' }),
    // no backend at all: routing failed before choosing one
    requestRow({ backend: null, model: null, outcome: 'error', errorClass: 'NoBackendError' }),
  ];
  const stats = aggregateByBackend(rows, { pricePerMillionTokens: 2 });
  const [local, offload] = stats;
  assert.ok(local && offload);

  it('returns one entry per backend, sorted, leaving rows without a backend out', () => {
    assert.deepEqual(
      stats.map((entry) => entry.backend),
      ['local', 'offload'],
    );
    assert.equal(local.requests, 6);
    assert.equal(offload.requests, 3);
  });

  it('counts errors, cancellations, fallbacks and cache hits', () => {
    assert.equal(local.errors, 1);
    assert.equal(local.cancelled, 1);
    assert.equal(local.fallbacks, 0);
    assert.equal(offload.fallbacks, 1);
    assert.equal(local.cacheHits, 1);
    assert.equal(local.cacheHitRate, 1 / 6);
    assert.equal(offload.cacheHits, 1);
  });

  it('summarizes latency over non-cached successful generations only', () => {
    assert.equal(local.ttftMs.count, 3);
    assert.equal(local.ttftMs.min, 10);
    assert.equal(local.ttftMs.max, 30);
    assert.equal(local.e2eMs.p50, 200);
    assert.equal(local.e2eMs.mean, 200);
    assert.equal(local.tokensPerSecond.count, 3);
    assert.equal(offload.e2eMs.count, 2);
  });

  it('computes acceptance over shown completions', () => {
    // shown, accepted, partial and rejected were all on screen: 4 shown, 1 accepted, 1 partial
    assert.equal(local.shown, 4);
    assert.equal(local.accepted, 1);
    assert.equal(local.partiallyAccepted, 1);
    assert.equal(local.acceptanceRate, 0.5);
    assert.equal(offload.shown, 2);
    assert.equal(offload.acceptanceRate, 0.5);
  });

  it('sums tokens a backend processed and prices offload tokens only', () => {
    // local: 5 non-cached rows × (100 + 10) tokens; the cache hit carries none
    assert.equal(local.promptTokens, 500);
    assert.equal(local.completionTokens, 50);
    assert.equal(local.costUsd, 0);
    // offload: 600k + 400k + (100 + 10) tokens at 2 USD per million; the typing hit is free
    assert.equal(offload.promptTokens, 600_100);
    assert.equal(offload.completionTokens, 400_010);
    assert.ok(Math.abs(offload.costUsd - 2.00022) < 1e-9);
  });

  it('names every model a backend served', () => {
    assert.equal(local.model, 'bundled');
    assert.equal(offload.model, 'codellama-7b, codellama-7b-instruct');
  });

  it('gives zero rates rather than NaN when nothing was shown', () => {
    const [only] = aggregateByBackend([requestRow({ outcome: 'error', ttftMs: null, e2eMs: null })], {
      pricePerMillionTokens: 0,
    });
    assert.equal(only?.acceptanceRate, 0);
    assert.equal(only?.ttftMs.count, 0);
    assert.equal(aggregateByBackend([], { pricePerMillionTokens: 1 }).length, 0);
  });
});
