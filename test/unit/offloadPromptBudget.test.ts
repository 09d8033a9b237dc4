/**
 * Fitting completion prompts into an offload server's context window (promptBudget.ts,
 * fitRequest.ts): room for the answer, prefix trimmed from its start, suffix from its end, a
 * templated prompt re-trimmed in its own layout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenerateRequest } from '../../server/src/backends/backend';
import { fitRequest, learnedCharsPerToken } from '../../server/src/backends/offload/fitRequest';
import type { FimFamily } from '../../server/src/backends/offload/fimTemplate';
import { answerTokens, fitTemplatedPrompt, promptTokenBudget } from '../../server/src/backends/offload/promptBudget';
import { FIM_LAYOUTS, fitPrefixSuffix, splitLayoutPrompt } from '../../server/src/backends/promptLayout';
import { formatFimPrompt } from '../../server/src/completion/templates';
import { CONFIG_ENUMS } from '../../server/src/config';

const lines = (prefix: string, count: number): string => Array.from({ length: count }, (_, i) => `${prefix}${i} = ${i}\n`).join('');

describe('prompt budget', () => {
  it('keeps room for the answer, at most half the window', () => {
    assert.equal(answerTokens(48, 512), 48);
    assert.equal(answerTokens(1024, 512), 256);
    assert.equal(promptTokenBudget(512, 48), 512 - 48 - 8);
    assert.equal(promptTokenBudget(20, 10), 16, 'never less than a minimal prompt');
  });

  it('trims the prefix from its start and the suffix from its end, at line boundaries', () => {
    const prefix = lines('before', 100);
    const suffix = lines('after', 100);
    const fitted = fitPrefixSuffix(prefix, suffix, 800);
    assert.ok(fitted.prefix.length + fitted.suffix.length <= 800);
    assert.ok(prefix.endsWith(fitted.prefix), 'the text nearest the cursor is kept');
    assert.ok(suffix.startsWith(fitted.suffix));
    assert.ok(fitted.prefix.startsWith('before'), 'no half line at the edge');
    assert.ok(fitted.suffix.length <= 200, 'the suffix gets a quarter at most');
    assert.deepEqual(fitPrefixSuffix('a', 'b', 10), { prefix: 'a', suffix: 'b' });
  });

  for (const family of [...Object.keys(FIM_LAYOUTS), 'none'] as FimFamily[]) {
    it(`re-trims a ${family} prompt in the layout completion/templates.ts formats`, () => {
      const prefix = lines('x', 200);
      const suffix = lines('y', 200);
      const prompt = formatFimPrompt(family, prefix, suffix);
      const fitted = fitTemplatedPrompt(prompt, family, 1000);
      assert.ok(fitted !== undefined);
      assert.ok(fitted.length <= 1000, `${fitted.length} chars`);
      const small = fitPrefixSuffix(
        prefix,
        family === 'none' ? '' : suffix,
        1000 - (prompt.length - prefix.length - (family === 'none' ? 0 : suffix.length)),
      );
      assert.equal(fitted, formatFimPrompt(family, small.prefix, small.suffix));
    });
  }

  it('covers every family the settings offer', () => {
    const families = CONFIG_ENUMS['local.fimTemplate']?.filter((id) => id !== 'auto' && id !== 'none');
    assert.deepEqual([...(families ?? [])].sort(), Object.keys(FIM_LAYOUTS).sort());
  });

  it('keeps a suffix-first (Codestral) prompt suffix-first, the prefix nearest the answer', () => {
    const fitted = fitTemplatedPrompt(formatFimPrompt('codestral', lines('x', 200), lines('y', 200)), 'codestral', 600);
    assert.ok(fitted !== undefined);
    assert.ok(fitted.startsWith('[SUFFIX]y0 = 0\n'), 'the suffix keeps its start');
    assert.ok(fitted.endsWith('x199 = 199\n'), 'the prefix keeps its end');
    assert.ok(fitted.length <= 600 && fitted.includes('[PREFIX]x'), 'cut at line starts');
  });

  it('splits at the separator the suffix cannot hold, whatever the prefix contains', () => {
    const prefix = 'doc = "[PREFIX] and <fim_suffix> are sentinels"\n';
    for (const family of ['codestral', 'starcoder'] as const) {
      const parts = splitLayoutPrompt(FIM_LAYOUTS[family], formatFimPrompt(family, prefix, 'tail\n'));
      assert.deepEqual(parts, { prefix, suffix: 'tail\n' }, family);
    }
  });

  it('refuses to cut a prompt that is not in the expected layout', () => {
    assert.equal(fitTemplatedPrompt('plain text '.repeat(100), 'codellama', 100), undefined);
    assert.equal(fitTemplatedPrompt('plain text '.repeat(100), 'codestral', 100), undefined);
    assert.equal(fitTemplatedPrompt(formatFimPrompt('qwen', 'a', 'b'), 'starcoder', 100), undefined, "another family's spelling");
  });
});

describe('fitRequest', () => {
  const base: GenerateRequest = {
    task: 'completion',
    prompt: lines('p', 300),
    suffix: lines('s', 300),
    maxTokens: 48,
    temperature: 0,
    stop: [],
  };
  const infill = { model: 'm', kind: 'infill', serverKind: 'llamacpp', fimTemplate: 'starcoder' } as const;

  it('sends the request unchanged when the window is unknown', () => {
    const { params, trimmed } = fitRequest(base, infill, { contextTokens: undefined, charsPerToken: 3 });
    assert.equal(trimmed, false);
    assert.equal(params.input_prefix, base.prompt);
    assert.equal(params.n_predict, 48);
  });

  it('fits prefix + suffix into the window next to the answer, estimating 3 characters per token', () => {
    const { params, trimmed } = fitRequest(base, infill, { contextTokens: 512, charsPerToken: 3 });
    assert.equal(trimmed, true);
    const chars = String(params.input_prefix).length + String(params.input_suffix).length;
    assert.ok(chars <= (512 - 48 - 8) * 3, `${chars} chars`);
    assert.ok(base.prompt.endsWith(String(params.input_prefix)));
  });

  it('caps max_tokens at half the window', () => {
    const { params } = fitRequest({ ...base, maxTokens: 4000 }, infill, { contextTokens: 512, charsPerToken: 3 });
    assert.equal(params.n_predict, 256);
  });

  it('learns a smaller characters-per-token ratio from a server count, never a larger one', () => {
    assert.equal(learnedCharsPerToken(3, { input_prefix: 'x'.repeat(1000), input_suffix: '' }, 500), 2 * 0.95);
    assert.equal(learnedCharsPerToken(3, { prompt: 'x'.repeat(1000) }, 100), 3);
    assert.equal(learnedCharsPerToken(3, { prompt: 'x' }, undefined), 3);
  });
});
