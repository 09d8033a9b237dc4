/**
 * The floor: a bare onnxruntime-node greedy loop on the very ONNX graph Tandem loads, with no
 * library in between. One InferenceSession; each step feeds input_ids, attention_mask and the
 * past key/values (the model uses ALiBi, so the graph has no position_ids input), takes the last
 * row of the logits, bans generation_config.json's bad_words_ids (and EOS when ignoring it),
 * argmax, loop. Session options are the ones the product's worker uses (modelHost.ts: no QDQ
 * fusion so int8 weights are dequantized once at load, no spinning threads), so the gap between
 * this and Tandem's path is what the layers above the session cost.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxFileNames } from '../../backends/local/modelFiles';
import type { TandemConfig } from '../../config';
import { greedyPick, TokenClock, type GreedyEngine, type GreedyOptions, type GreedyRun } from './enginesGreedy';

export interface ModelShape {
  vocabSize: number;
  nLayer: number;
  nHead: number;
  headDim: number;
  eosId: number;
  /** Token ids generation never picks (generation_config.json bad_words_ids of length 1). */
  banned: number[];
}

export function readModelShape(modelDir: string): ModelShape {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, number>;
  let banned: number[] = [];
  try {
    const generation = JSON.parse(readFileSync(join(modelDir, 'generation_config.json'), 'utf8')) as { bad_words_ids?: number[][] };
    banned = (generation.bad_words_ids ?? []).filter((ids) => ids.length === 1).map((ids) => ids[0] as number);
  } catch {
    // No generation config: nothing banned.
  }
  const nEmbd = config.n_embd as number;
  const nHead = config.n_head as number;
  return {
    vocabSize: config.vocab_size as number,
    nLayer: config.n_layer as number,
    nHead,
    headDim: nEmbd / nHead,
    eosId: config.eos_token_id ?? 0,
    banned,
  };
}

/** The product worker's session options (modelHost.ts), with a fixed thread count. */
export function productSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    interOpNumThreads: 1,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    logSeverityLevel: 3,
    extra: { session: { disable_quant_qdq: '1', 'intra_op.allow_spinning': '0' } },
  } as ort.InferenceSession.SessionOptions;
}

export interface StepLogits {
  /** Top-1 − top-2 logit among allowed tokens at each generated position. */
  margins: number[];
}

export class BareOrtLoop implements GreedyEngine {
  readonly name = 'bare-ort';
  /** Margins of the last generate() call (for the agreement check). */
  lastMargins: number[] = [];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly shape: ModelShape,
  ) {}

  static async open(modelDir: string, dtype: TandemConfig['local']['dtype'], threads: number): Promise<BareOrtLoop> {
    const file = onnxFileNames(false, dtype)[0] as string;
    const session = await ort.InferenceSession.create(join(modelDir, file), productSessionOptions(threads));
    return new BareOrtLoop(session, readModelShape(modelDir));
  }

  async generate(promptIds: readonly number[], options: GreedyOptions): Promise<GreedyRun> {
    const { nLayer, nHead, headDim, vocabSize, eosId } = this.shape;
    const banned = new Set(this.shape.banned);
    if (options.ignoreEos) banned.add(eosId);
    const clock = new TokenClock();
    const margins: number[] = [];
    let past: ort.Tensor[] = [];
    for (let i = 0; i < 2 * nLayer; i++) past.push(new ort.Tensor('float32', new Float32Array(0), [1, nHead, 0, headDim]));
    let input = promptIds.map(BigInt);
    let total = 0;
    while (clock.tokens.length < options.maxNewTokens) {
      total += input.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(input), [1, input.length]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      };
      for (let i = 0; i < nLayer; i++) {
        feeds[`past_key_values.${i}.key`] = past[2 * i] as ort.Tensor;
        feeds[`past_key_values.${i}.value`] = past[2 * i + 1] as ort.Tensor;
      }
      const out = await this.session.run(feeds);
      const logits = (out.logits as ort.Tensor).data as Float32Array;
      const offset = (input.length - 1) * vocabSize;
      const { index: next, margin } = greedyPick(logits, offset, vocabSize, banned);
      margins.push(margin);
      past = [];
      for (let i = 0; i < nLayer; i++) past.push(out[`present.${i}.key`] as ort.Tensor, out[`present.${i}.value`] as ort.Tensor);
      if (next === eosId && !options.ignoreEos) break;
      clock.token(next);
      input = [BigInt(next)];
    }
    this.lastMargins = margins;
    return clock.run();
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
