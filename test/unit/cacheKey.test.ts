import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { cacheKey, canonicalKeyText } from '../../server/src/cache/cacheKey';
import type { CacheKeyParts } from '../../server/src/cache/types';

const base: CacheKeyParts = {
  backend: 'local',
  model: 'tandem-codet5-small',
  prompt: 'def add(a, b):\n    return ',
  suffix: '\n\nprint(add(1, 2))',
  maxTokens: 48,
  temperature: 0,
  stop: ['\n\n', '\ndef '],
};

describe('cacheKey', () => {
  it('is the sha256 hex of the canonical text, and stable', () => {
    const key = cacheKey(base);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(key, cacheKey({ ...base, stop: [...base.stop] }));
    const expected = createHash('sha256').update(canonicalKeyText(base), 'utf8').digest('hex');
    assert.equal(key, expected);
  });

  it('changes when any part that changes the answer changes', () => {
    const variants: CacheKeyParts[] = [
      { ...base, backend: 'offload' },
      { ...base, model: 'codellama-7b' },
      { ...base, prompt: `${base.prompt} ` },
      { ...base, suffix: '' },
      { ...base, maxTokens: 49 },
      { ...base, temperature: 0.2 },
      { ...base, stop: ['\n\n'] },
      { ...base, stop: [...base.stop, '```'] },
    ];
    const keys = new Set([cacheKey(base), ...variants.map(cacheKey)]);
    assert.equal(keys.size, variants.length + 1);
  });

  it('does not let text move between fields without changing the key', () => {
    const a = cacheKey({ ...base, prompt: 'ab', suffix: 'c' });
    const b = cacheKey({ ...base, prompt: 'a', suffix: 'bc' });
    const c = cacheKey({ ...base, model: 'm","x', prompt: 'p' });
    const d = cacheKey({ ...base, model: 'm', prompt: 'x","p' });
    assert.notEqual(a, b);
    assert.notEqual(c, d);
  });

  it('treats equivalent spellings alike: stop order and repeats, missing suffix, -0', () => {
    assert.equal(cacheKey({ ...base, stop: ['\ndef ', '\n\n', '\n\n'] }), cacheKey({ ...base, stop: ['\n\n', '\ndef '] }));
    const { suffix: _suffix, ...noSuffix } = base;
    assert.equal(cacheKey(noSuffix), cacheKey({ ...base, suffix: '' }));
    assert.equal(cacheKey({ ...base, temperature: -0 }), cacheKey({ ...base, temperature: 0 }));
  });

  it('handles non-ASCII prompts', () => {
    const key = cacheKey({ ...base, prompt: '// 日本語のコメント 🚀\nconst x = ' });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(key, cacheKey({ ...base, prompt: '// 日本語のコメント 🚁\nconst x = ' }));
  });
});
