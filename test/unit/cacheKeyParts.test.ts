import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, GenerateRequest } from '../../server/src/backends/backend';
import { cacheKey } from '../../server/src/cache/cacheKey';
import { cacheKeyParts } from '../../server/src/pipeline/cacheKeyParts';

const request: GenerateRequest = { task: 'completion', prompt: 'def f(', maxTokens: 16, temperature: 0, stop: ['\n'] };

function backend(decoding: string | undefined): Backend {
  return {
    id: 'local',
    model: 'tandem-complete-mini',
    modelFor: () => 'tandem-complete-mini',
    ...(decoding === undefined ? {} : { decodingFor: () => decoding }),
  } as unknown as Backend;
}

describe('cacheKeyParts', () => {
  it('names the model alone when the backend has no decoding variant', () => {
    assert.equal(cacheKeyParts(backend(undefined), request).model, 'tandem-complete-mini');
  });

  it('keys answers made with a decoding variant (the context cache) apart from those made without', () => {
    const withCache = cacheKeyParts(backend('context-cache'), request);
    assert.equal(withCache.model, 'tandem-complete-mini+context-cache');
    assert.notEqual(cacheKey(withCache), cacheKey(cacheKeyParts(backend(undefined), request)));
  });
});
