/**
 * The shared parity cases between TypeScript functions and their Python mirrors in
 * models/training: the inputs, and what the TypeScript computes for them. scripts/parity-cases.ts
 * writes them to test/fixtures/parity/*.json; test/unit/parity.test.ts checks that the files still
 * hold what this module computes; models/training/tests/test_parity.py checks the Python mirrors
 * against the files.
 *
 * JSON has no −Infinity: a banned logit (−∞) is written as null, on both sides.
 */
import { join } from 'node:path';
import {
  DEFAULT_CONTEXT_CACHE,
  longestContextMatch,
  mixContextCache,
  type ContextCacheOptions,
} from '../../server/src/backends/local/contextCache';
import { packageRoot } from '../../server/src/packageRoot';
import { seededRandom } from '../../server/src/seededRandom';
import {
  bleuTokens,
  editSimilarity,
  exactMatch,
  normalizeWhitespace,
  rougeL,
  rougeTokens,
  sentenceBleu4,
} from '../../server/src/metrics/textMetrics';

export const PARITY_DIR = join(packageRoot(), 'test', 'fixtures', 'parity');
export const GENERATED_BY = 'node --import tsx scripts/parity-cases.ts';

// ---- text metrics (server/src/metrics/textMetrics.ts ↔ models/training/metrics.py) ----

export interface TextMetricsInput {
  name: string;
  prediction: string;
  reference: string;
}

export interface TextMetricsExpected {
  normalizedPrediction: string;
  exactMatch: boolean;
  editSimilarity: number;
  sentenceBleu4: number;
  rougeL: number;
  bleuTokens: string[];
  rougeTokens: string[];
}

/** Each case aims at one rule: whitespace handling, tokenization, clipping, smoothing, brevity. */
const TEXT_METRICS_INPUTS: TextMetricsInput[] = [
  { name: 'identical code line', prediction: 'return a + b', reference: 'return a + b' },
  { name: 'both empty', prediction: '', reference: '' },
  { name: 'empty prediction', prediction: '', reference: 'return x' },
  { name: 'empty reference', prediction: 'return x', reference: '' },
  { name: 'whitespace only vs empty', prediction: ' \t\n ', reference: '' },
  { name: 'indentation and inner runs of whitespace', prediction: '    x  =\tfoo( 1,  2 )\n', reference: 'x = foo( 1, 2 )' },
  { name: 'one character differs', prediction: 'return a - b', reference: 'return a + b' },
  { name: 'kitten/sitting', prediction: 'kitten', reference: 'sitting' },
  { name: 'case differs (BLEU and ROUGE lower-case, EM and ES do not)', prediction: 'Return The Value', reference: 'return the value' },
  {
    name: 'longer prediction (no brevity penalty)',
    prediction: 'Returns the number of items in the list and the list itself.',
    reference: 'Returns the number of items.',
  },
  { name: 'shorter prediction (brevity penalty)', prediction: 'Returns the', reference: 'Returns the number of items in the list.' },
  { name: 'one word prediction (no 2..4-grams)', prediction: 'items', reference: 'Returns the number of items.' },
  { name: 'nothing in common', prediction: 'alpha beta gamma delta', reference: 'one two three four' },
  { name: 'repeated words are clipped', prediction: 'the the the the the the', reference: 'the cat sat on the mat' },
  {
    name: 'punctuation heavy',
    prediction: 'if (!x.y?.z) { return [a, b]; } // done!!',
    reference: 'if (!x.y.z) { return [a, b]; }',
  },
  { name: 'snake_case and digits', prediction: 'max_tokens_2 = cfg.max_tokens * 2', reference: 'max_tokens_2 = cfg.max_tokens*3' },
  { name: 'punctuation only (no ROUGE tokens)', prediction: '}); ;', reference: '});' },
  {
    name: 'accented and non-Latin letters',
    prediction: 'Größe der Äpfel: café, Ελληνικά, 日本語',
    reference: 'größe der äpfel café ελληνικά',
  },
  { name: 'digits outside ASCII', prediction: 'x² + ٣ = ⅷ', reference: 'x2 + 3 = 8' },
  { name: 'astral code points count once', prediction: 'a😀 b', reference: 'a b' },
  { name: 'non-breaking space, BOM and NEL', prediction: '\ufeffa\u00a0b\u0085c', reference: 'a b c' },
  { name: 'Turkish dotted I and final sigma', prediction: 'İSTANBUL ΟΔΟΣ', reference: 'istanbul οδος' },
  {
    name: 'docstring-like summary',
    prediction: 'Return a shell-escaped version of the string.',
    reference: 'Return a shell-escaped version of the string *s*.',
  },
  {
    name: 'multi-line completion',
    prediction: 'for (const x of xs) {\n  total += x;\n}',
    reference: 'for (const x of xs) {\n    total += x;\n  }',
  },
];

export function textMetricsExpected(input: TextMetricsInput): TextMetricsExpected {
  const { prediction, reference } = input;
  return {
    normalizedPrediction: normalizeWhitespace(prediction),
    exactMatch: exactMatch(prediction, reference),
    editSimilarity: editSimilarity(prediction, reference),
    sentenceBleu4: sentenceBleu4(prediction, reference),
    rougeL: rougeL(prediction, reference),
    bleuTokens: bleuTokens(prediction),
    rougeTokens: rougeTokens(prediction),
  };
}

export function textMetricsCases() {
  return {
    source: 'server/src/metrics/textMetrics.ts',
    mirror: 'models/training/metrics.py',
    generatedBy: GENERATED_BY,
    cases: TEXT_METRICS_INPUTS.map((input) => ({ ...input, expected: textMetricsExpected(input) })),
  };
}

// ---- context cache (server/src/backends/local/contextCache.ts ↔ models/training/context_cache.py) ----

export interface MatchInput {
  name: string;
  ids: number[];
  maxMatch: number;
}

export interface MatchExpected {
  length: number;
  /** [token, count] sorted by token. */
  next: Array<[number, number]>;
}

export interface MixInput {
  name: string;
  ids: number[];
  /** null: −∞ (a banned token). */
  logits: Array<number | null>;
}

export interface MixExpected {
  lambda: number;
  logits: Array<number | null>;
}

/** Sequences over a small vocabulary, so repeats are common. */
function randomIds(seed: number, length: number, vocab: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length }, () => Math.floor(random() * vocab));
}

function randomLogits(seed: number, vocab: number): number[] {
  const random = seededRandom(seed);
  // Float32-representable values in [-8, 8): the Python mirror works in float32.
  return Array.from({ length: vocab }, () => Math.fround(random() * 16 - 8));
}

const MATCH_INPUTS: MatchInput[] = [
  { name: 'empty', ids: [], maxMatch: 8 },
  { name: 'one token', ids: [5], maxMatch: 8 },
  { name: 'no repeat', ids: [1, 2, 3, 4, 5], maxMatch: 8 },
  { name: 'last token seen once before', ids: [7, 3, 9, 7], maxMatch: 8 },
  { name: 'two occurrences, different followers', ids: [4, 1, 4, 2, 4], maxMatch: 8 },
  { name: 'longer match wins over shorter ones', ids: [9, 2, 3, 5, 1, 3, 6, 2, 3], maxMatch: 8 },
  { name: 'match capped by maxMatch', ids: [1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5], maxMatch: 3 },
  { name: 'maxMatch 1 counts every follower of the last token', ids: [1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5], maxMatch: 1 },
  { name: 'a run of one token overlaps itself', ids: [3, 3, 3, 3, 3], maxMatch: 8 },
  { name: 'repeat longer than maxMatch', ids: [...[8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0, ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], maxMatch: 8 },
  { name: 'random, vocabulary 3', ids: randomIds(1, 40, 3), maxMatch: 8 },
  { name: 'random, vocabulary 4, maxMatch 4', ids: randomIds(2, 80, 4), maxMatch: 4 },
  { name: 'random, vocabulary 6', ids: randomIds(3, 120, 6), maxMatch: 8 },
];

const MIX_VOCAB = 12;
const MIX_INPUTS: MixInput[] = [
  { name: 'no match leaves logits alone', ids: [1, 2, 3], logits: randomLogits(10, MIX_VOCAB) },
  { name: 'match of length 1', ids: [4, 7, 2, 4], logits: randomLogits(11, MIX_VOCAB) },
  { name: 'match of length 3, two followers', ids: [1, 2, 3, 5, 9, 1, 2, 3, 6, 1, 2, 3], logits: randomLogits(12, MIX_VOCAB) },
  { name: 'only follower banned: untouched', ids: [4, 7, 2, 4], logits: randomLogits(13, MIX_VOCAB).map((v, i) => (i === 7 ? null : v)) },
  {
    name: 'one of two followers banned, other banned logits stay banned',
    ids: [4, 7, 2, 4, 5, 4],
    logits: randomLogits(14, MIX_VOCAB).map((v, i) => (i === 5 || i === 0 ? null : v)),
  },
  { name: 'follower outside the vocabulary is dropped', ids: [4, 40, 4, 3, 4], logits: randomLogits(15, MIX_VOCAB) },
  {
    name: 'long repeat: weight capped at maxMatch × weightPerToken',
    ids: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    logits: randomLogits(16, MIX_VOCAB),
  },
  { name: 'random sequence', ids: randomIds(17, 60, 5), logits: randomLogits(18, MIX_VOCAB) },
];

export function matchExpected(input: MatchInput): MatchExpected {
  const match = longestContextMatch(input.ids, input.maxMatch);
  return { length: match.length, next: [...match.next.entries()].sort((a, b) => a[0] - b[0]) };
}

const toJsonLogits = (values: ArrayLike<number>) => Array.from(values, (v) => (v === -Infinity ? null : v));
const fromJsonLogits = (values: ReadonlyArray<number | null>) => Float32Array.from(values, (v) => (v === null ? -Infinity : v));

export function mixExpected(input: MixInput, options: ContextCacheOptions = DEFAULT_CONTEXT_CACHE): MixExpected {
  // As the product calls it: one float32 row, changed in place.
  const logits = fromJsonLogits(input.logits);
  const lambda = mixContextCache(logits, input.ids, options);
  return { lambda, logits: toJsonLogits(logits) };
}

export function contextCacheCases() {
  return {
    source: 'server/src/backends/local/contextCache.ts',
    mirror: 'models/training/context_cache.py',
    generatedBy: GENERATED_BY,
    options: DEFAULT_CONTEXT_CACHE,
    longestContextMatch: MATCH_INPUTS.map((input) => ({ ...input, expected: matchExpected(input) })),
    mixContextCache: MIX_INPUTS.map((input) => ({ ...input, expected: mixExpected(input) })),
  };
}
