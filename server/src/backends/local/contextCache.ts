/**
 * A cache language model over the prompt, mixed into the local completion model's next-token
 * distribution.
 *
 * Code repeats itself locally: identifiers, call shapes and whole lines reappear a few lines
 * below where they were first written (Tu et al., "On the Localness of Software", FSE 2014;
 * Hellendoorn & Devanbu, FSE 2017, where a cache n-gram model beat RNNs on code). A tiny model
 * trained on a CPU copies poorly, so each decoding step looks for the longest suffix of the
 * sequence so far (prompt + generated tokens, up to `maxMatch` tokens) that occurred earlier in
 * it, turns the tokens that followed those occurrences into a distribution, and interpolates:
 *
 *   p(next) = (1 - λ) · p_model(next) + λ · p_cache(next),   λ = min(maxWeight, weightPerToken · L)
 *
 * where L is the matched length: the longer the repeated stretch, the more the cache is trusted.
 * With no match the model's distribution is untouched. Measured on held-out code in
 * models/tandem-complete-mini/README.md (`npm run eval:models`, with and without).
 */
import { LogitsProcessor, type Tensor } from '@huggingface/transformers';

export interface ContextCacheOptions {
  /** λ added per matched token. */
  weightPerToken: number;
  /** Upper bound of λ: the model always keeps some say. */
  maxWeight: number;
  /** Longest suffix searched for (tokens). */
  maxMatch: number;
}

/** Tuned on the training corpus's validation files (models/training), not on the held-out set. */
export const DEFAULT_CONTEXT_CACHE: ContextCacheOptions = { weightPerToken: 0.1, maxWeight: 0.9, maxMatch: 8 };

export interface ContextMatch {
  /** Length of the longest suffix that occurred earlier (0: none). */
  length: number;
  /** Token → how many earlier occurrences it followed. */
  next: Map<number, number>;
}

/** The longest suffix of `ids` (at most `maxMatch` tokens) seen earlier, and what followed it. */
export function longestContextMatch(ids: ArrayLike<number>, maxMatch: number): ContextMatch {
  const n = ids.length;
  let length = 0;
  const next = new Map<number, number>();
  // One pass: for each earlier position, how many tokens before it agree with the end of `ids`.
  for (let end = 1; end < n; end++) {
    let k = 0;
    while (k < maxMatch && k < end && ids[end - 1 - k] === ids[n - 1 - k]) k++;
    if (k === 0 || k < length) continue;
    if (k > length) {
      length = k;
      next.clear();
    }
    const token = ids[end] as number;
    next.set(token, (next.get(token) ?? 0) + 1);
  }
  return { length, next };
}

/**
 * Replaces `logits` (one row, in place) with log((1 - λ)·softmax(logits) + λ·p_cache). Tokens the
 * model may not emit (logit −∞: banned words, FIM markers) get no cache mass either.
 * Returns λ (0 when nothing matched).
 */
export function mixContextCache(logits: Float32Array, ids: ArrayLike<number>, options: ContextCacheOptions): number {
  const match = longestContextMatch(ids, options.maxMatch);
  if (match.length === 0) return 0;
  let total = 0;
  for (const [token, count] of match.next) {
    if (token < logits.length && Number.isFinite(logits[token] as number)) total += count;
    else match.next.delete(token);
  }
  if (total === 0) return 0;
  const lambda = Math.min(options.maxWeight, options.weightPerToken * match.length);

  let max = -Infinity;
  for (const value of logits) if (value > max) max = value;
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i] as number;
    if (value === -Infinity) continue;
    const model = Math.exp(value - max) / sum;
    const cache = (match.next.get(i) ?? 0) / total;
    logits[i] = Math.log((1 - lambda) * model + lambda * cache);
  }
  return lambda;
}

/** transformers.js hook: runs after the model's own processors (bad words, temperature). */
export class ContextCacheLogitsProcessor extends LogitsProcessor {
  constructor(private readonly options: ContextCacheOptions = DEFAULT_CONTEXT_CACHE) {
    super();
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    for (let row = 0; row < inputIds.length; row++) {
      const ids = (inputIds[row] ?? []).map(Number);
      mixContextCache((logits as unknown as Tensor[])[row]?.data as Float32Array, ids, this.options);
    }
    return logits;
  }
}
