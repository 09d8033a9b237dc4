/**
 * Sampling with a seed. transformers.js samples with Math.random and takes no seed, so a sampled
 * request could never be repeated (nor tested). This processor does the sampling itself — the
 * same temperature and top-k multinomial draw transformers.js makes — from a seeded generator,
 * and leaves only the drawn token unmasked; generate() then runs greedy and picks exactly that
 * token. It must be the last processor, after every mask (token healing) and mix (context cache).
 */
import { LogitsProcessor, type Tensor } from '@huggingface/transformers';
import { seededRandom } from '../../seededRandom';

/** transformers.js's default `top_k` for sampling: the draw is among the 50 likeliest tokens. */
export const SAMPLING_TOP_K = 50;

export class SeededSamplingLogitsProcessor extends LogitsProcessor {
  private readonly random: () => number;

  constructor(
    private readonly temperature: number,
    seed: number,
    private readonly topK = SAMPLING_TOP_K,
  ) {
    super();
    this.random = seededRandom(seed);
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    for (let row = 0; row < inputIds.length; row++) {
      const scores = (logits as unknown as Tensor[])[row]?.data as Float32Array;
      keepOnly(scores, drawToken(scores, this.temperature, this.topK, this.random()));
    }
    return logits;
  }
}

/**
 * The token a multinomial draw picks: the `topK` highest scores, softmax at `temperature`, and
 * `uniform` (in [0, 1)) walked along the cumulative probabilities. −∞ scores are never drawn.
 */
export function drawToken(scores: Float32Array, temperature: number, topK: number, uniform: number): number {
  const top = topIndices(scores, topK);
  const best = top[0];
  if (best === undefined) return 0;
  const max = scores[best] as number;
  const weights = top.map((id) => Math.exp(((scores[id] as number) - max) / temperature));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let remaining = uniform * total;
  for (let i = 0; i < top.length; i++) {
    remaining -= weights[i] as number;
    if (remaining < 0) return top[i] as number;
  }
  return top[top.length - 1] as number;
}

/** Indices of the `k` highest finite scores, highest first (one pass; k is small). */
function topIndices(scores: Float32Array, k: number): number[] {
  const top: number[] = [];
  for (let id = 0; id < scores.length; id++) {
    const score = scores[id] as number;
    if (score === -Infinity || Number.isNaN(score)) continue;
    if (top.length === k && score <= (scores[top[k - 1] as number] as number)) continue;
    let at = Math.min(top.length, k - 1);
    if (top.length < k) top.push(id);
    while (at > 0 && (scores[top[at - 1] as number] as number) < score) {
      top[at] = top[at - 1] as number;
      at--;
    }
    top[at] = id;
  }
  return top;
}

function keepOnly(scores: Float32Array, token: number): void {
  const kept = scores[token] as number;
  scores.fill(-Infinity);
  scores[token] = Number.isFinite(kept) ? kept : 0;
}
