/**
 * The shared parity files (test/fixtures/parity/*.json) must say what the TypeScript computes:
 * models/training/tests/test_parity.py holds the Python mirrors to these files, so a stale file
 * would let the two sides drift apart unnoticed. Regenerate with `node --import tsx
 * scripts/parity-cases.ts` after a deliberate change, then run `npm run test:python`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  PARITY_DIR,
  contextCacheCases,
  matchExpected,
  mixExpected,
  textMetricsCases,
  textMetricsExpected,
  type MatchExpected,
  type MatchInput,
  type MixExpected,
  type MixInput,
  type TextMetricsExpected,
  type TextMetricsInput,
} from '../support/parityCases';

const REGENERATE = 'stale parity file: run `node --import tsx scripts/parity-cases.ts`, then `npm run test:python`';

function readParity<T>(name: string): T {
  return JSON.parse(readFileSync(join(PARITY_DIR, name), 'utf8')) as T;
}

describe('parity cases: text metrics (textMetrics.ts ↔ models/training/metrics.py)', () => {
  const file = readParity<{ cases: Array<TextMetricsInput & { expected: TextMetricsExpected }> }>('text-metrics.json');

  it('holds every case the generator makes, and only those', () => {
    assert.deepEqual(
      file.cases.map((c) => c.name),
      textMetricsCases().cases.map((c) => c.name),
      REGENERATE,
    );
  });

  for (const { expected, ...input } of file.cases) {
    it(`computes what the file says: ${input.name}`, () => {
      assert.deepEqual(textMetricsExpected(input), expected, REGENERATE);
    });
  }
});

describe('parity cases: context cache (contextCache.ts ↔ models/training/context_cache.py)', () => {
  const file = readParity<{
    options: unknown;
    longestContextMatch: Array<MatchInput & { expected: MatchExpected }>;
    mixContextCache: Array<MixInput & { expected: MixExpected }>;
  }>('context-cache.json');
  const generated = contextCacheCases();

  it('holds every case the generator makes, with the default options', () => {
    assert.deepEqual(file.options, generated.options, REGENERATE);
    assert.deepEqual(
      file.longestContextMatch.map((c) => c.name),
      generated.longestContextMatch.map((c) => c.name),
      REGENERATE,
    );
    assert.deepEqual(
      file.mixContextCache.map((c) => c.name),
      generated.mixContextCache.map((c) => c.name),
      REGENERATE,
    );
  });

  for (const { expected, ...input } of file.longestContextMatch) {
    it(`longestContextMatch: ${input.name}`, () => {
      assert.deepEqual(matchExpected(input), expected, REGENERATE);
    });
  }

  for (const { expected, ...input } of file.mixContextCache) {
    it(`mixContextCache: ${input.name}`, () => {
      assert.deepEqual(mixExpected(input), expected, REGENERATE);
    });
  }

  it('the cases reach every branch the mirror has to match', () => {
    // No match, a match whose followers are all banned, a mixed row, and the weight cap.
    const lambdas = file.mixContextCache.map((c) => c.expected.lambda);
    assert.ok(lambdas.includes(0));
    assert.ok(lambdas.some((l) => l > 0 && l < 0.8));
    assert.ok(lambdas.includes(0.8));
    assert.ok(file.mixContextCache.some((c) => c.expected.logits.includes(null) && c.expected.lambda > 0));
  });
});
