/**
 * Reuse of the attention KV cache across keystrokes (decoder-only models), as llama.cpp's prompt
 * cache and llama.vscode do: after a generation, the worker keeps the KV tensors of every token
 * the model processed (prompt + generated, less the last sampled token, which was never fed).
 * The next prompt usually repeats most of those tokens (the user typed a few characters), so
 * only the tokens after the longest common prefix need a forward pass.
 *
 * One entry per loaded model: generations on one model run one at a time (the worker queues
 * them), and the most recent prompt is the one the next keystroke extends.
 */
import { Tensor } from '@huggingface/transformers';

/** What transformers.js calls `past_key_values`: one tensor [batch, heads, seq, dim] per layer and K/V. */
export type PastKeyValues = Record<string, Tensor>;

export interface Reuse {
  past: PastKeyValues;
  /** Tokens of the new prompt whose KV comes from the cache (no forward pass for them). */
  tokens: number;
}

/** Below this many shared tokens a reuse saves less than slicing the tensors costs. */
const MIN_REUSE_TOKENS = 8;

export class PromptKvCache {
  private ids: number[] = [];
  private past: PastKeyValues | undefined;

  /**
   * The cached KV for the longest prefix `ids` shares with the cached tokens, always leaving at
   * least one token of `ids` to run (generation needs the logits of the prompt's last token).
   * A copy: the cached tensors stay whole, so a run that fails leaves a usable cache behind.
   */
  take(ids: readonly number[]): Reuse | undefined {
    const past = this.past;
    if (!past) return undefined;
    const shared = Math.min(commonPrefixLength(this.ids, ids), ids.length - 1);
    if (shared < MIN_REUSE_TOKENS) return undefined;
    return { past: sliceSequence(past, shared), tokens: shared };
  }

  /**
   * Remembers the state after a generation: `sequence` is every token id of the run (prompt and
   * generated), `past` the KV tensors generate() returned, which cover its first `seq` tokens.
   */
  store(sequence: readonly number[], past: PastKeyValues | undefined): void {
    const length = past ? sequenceLength(past) : undefined;
    const valid = past !== undefined && length !== undefined && length <= sequence.length;
    this.ids = valid ? sequence.slice(0, length) : [];
    this.past = valid ? past : undefined;
  }
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a[i] === b[i]) i++;
  return i;
}

function sequenceLength(past: PastKeyValues): number | undefined {
  const first = Object.values(past)[0];
  return first?.dims.at(-2);
}

/**
 * The first `tokens` positions of every KV tensor (a copy: the cached tensors stay whole). The
 * sequence axis is the second-to-last, so each [.., seq, dim] block is one contiguous copy;
 * Tensor.slice's element-wise loop made a follow-up slower than a cold prefill (p50 297 ms vs
 * 80 ms for 385 tokens, `tandem bench kv-reuse`).
 */
function sliceSequence(past: PastKeyValues, tokens: number): PastKeyValues {
  const out: PastKeyValues = {};
  for (const [name, tensor] of Object.entries(past)) {
    const dims = tensor.dims;
    const length = dims.at(-2) ?? 0;
    const width = dims.at(-1) ?? 0;
    const blocks = dims.slice(0, -2).reduce((a, b) => a * b, 1);
    const source = tensor.data as Float32Array;
    const data = new (source.constructor as Float32ArrayConstructor)(blocks * tokens * width);
    for (let block = 0; block < blocks; block++) {
      const from = block * length * width;
      data.set(source.subarray(from, from + tokens * width), block * tokens * width);
    }
    out[name] = new Tensor(tensor.type, data, [...dims.slice(0, -2), tokens, width]);
  }
  return out;
}
