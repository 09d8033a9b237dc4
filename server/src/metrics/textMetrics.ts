/**
 * Text-similarity metrics used by the model evaluation, as pure functions.
 *
 * - Exact match and edit similarity follow CodeXGLUE line-level completion: both strings are
 *   whitespace-normalised, and edit similarity is fuzzywuzzy's `fuzz.ratio` with the
 *   python-Levenshtein backend (Indel distance: 2·LCS / (|a| + |b|)), here as a fraction 0..1.
 * - BLEU-4 is CodeXGLUE code-to-text's smoothed sentence BLEU (Lin & Och 2004 add-one smoothing
 *   for 2..4-grams, brevity penalty with +1 lengths, lower-cased, words and punctuation split),
 *   averaged over sentences and reported 0..100 as CodeXGLUE does.
 * - ROUGE-L is the LCS F1 over lower-cased alphanumeric tokens (Google's rouge_score
 *   `rougeL` fmeasure), 0..1.
 */

/** Collapses runs of whitespace and trims, so indentation style does not decide a match. */
export function normalizeWhitespace(text: string): string {
  return text.trim().split(/\s+/).filter(Boolean).join(' ');
}

export function exactMatch(prediction: string, reference: string): boolean {
  return normalizeWhitespace(prediction) === normalizeWhitespace(reference);
}

/** fuzz.ratio / 100: 1 for identical strings, 0 for nothing in common. */
export function editSimilarity(prediction: string, reference: string): number {
  const a = [...normalizeWhitespace(prediction)];
  const b = [...normalizeWhitespace(reference)];
  if (a.length + b.length === 0) return 1;
  return (2 * lcsLength(a, b)) / (a.length + b.length);
}

/** Length of the longest common subsequence, O(|a|·|b|) time, O(|b|) memory. */
export function lcsLength<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  let current = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = x === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, current[j - 1] as number);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}

/** CodeXGLUE's splitPuncts after lower-casing: runs of word characters, and single symbols. */
export function bleuTokens(text: string): string[] {
  return (
    text
      .trim()
      .toLowerCase()
      .match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []
  );
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Smoothed sentence BLEU-4 of one prediction against one reference, 0..1. */
export function sentenceBleu4(prediction: string, reference: string): number {
  const test = bleuTokens(prediction);
  const ref = bleuTokens(reference);
  const tiny = Number.MIN_VALUE;
  let logBleu = 0;
  for (let n = 1; n <= 4; n++) {
    const refCounts = ngramCounts(ref, n);
    let correct = 0;
    for (const [gram, count] of ngramCounts(test, n)) correct += Math.min(count, refCounts.get(gram) ?? 0);
    const guess = Math.max(test.length - n + 1, 0);
    const smooth = n > 1 ? 1 : 0;
    logBleu += Math.log(correct + smooth + tiny) - Math.log(guess + smooth + tiny);
  }
  const brevity = Math.min(0, 1 - (ref.length + 1) / (test.length + 1));
  return Math.exp(logBleu / 4 + brevity);
}

/** Mean smoothed BLEU-4 over pairs, 0..100 (CodeXGLUE's reporting scale). */
export function corpusBleu4(pairs: ReadonlyArray<{ prediction: string; reference: string }>): number {
  if (pairs.length === 0) return 0;
  const total = pairs.reduce((sum, p) => sum + sentenceBleu4(p.prediction, p.reference), 0);
  return (100 * total) / pairs.length;
}

export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

/** ROUGE-L F1 of one prediction against one reference, 0..1. */
export function rougeL(prediction: string, reference: string): number {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  if (p.length === 0 || r.length === 0) return 0;
  const lcs = lcsLength(p, r);
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
