/**
 * llama.cpp through node-llama-cpp (prebuilt CPU binaries, loaded in-process; installed on demand
 * by `npm run bench:llamacpp`, loaded by enginesLlamaCppLoad.ts) on the GGUF file
 * enginesGgufConvert.ts makes from the same ONNX weights. Greedy (temperature 0), the same banned
 * tokens, the same thread count. When it is not installed the engine is reported as unavailable.
 *
 * EOS: node-llama-cpp ignores a "never" bias on end-of-sequence, so when the run must ignore EOS
 * and the model picks it, the next input is the first non-banned token instead (the step costs
 * the same; only the text differs from the other engines' second-best pick).
 */
import type { GreedyEngine, GreedyOptions, GreedyRun } from './enginesGreedy';
import { TokenClock } from './enginesGreedy';
import type { Llama, LlamaContext, LlamaModel, NodeLlamaCpp } from './enginesLlamaCppLoad';

export interface LlamaCppOptions {
  threads: number;
  contextSize: number;
  banned: readonly number[];
  eosId: number;
  /** KV cache element type: F16 is llama.cpp's default (and what a user runs); F32 keeps K and V as the ONNX graph does. */
  kvCache?: 'F16' | 'F32';
  flashAttention?: boolean | 'auto';
}

export class LlamaCppEngine implements GreedyEngine {
  readonly name = 'llama.cpp';
  /** ln(p1/p2) = top-1 − top-2 logit at each step of the last generate(…, withMargins) call. */
  lastMargins: number[] = [];

  private constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly options: LlamaCppOptions,
  ) {}

  static async open(lib: NodeLlamaCpp, ggufPath: string, options: LlamaCppOptions): Promise<LlamaCppEngine> {
    const llama = await lib.getLlama({ gpu: false, build: 'never', progressLogs: false, logLevel: lib.LlamaLogLevel.error });
    try {
      const model = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0 });
      const context = await model.createContext({
        contextSize: options.contextSize,
        sequences: 1,
        batchSize: options.contextSize,
        // Off: flash attention would round Q, K and V to F16 on the CPU as well.
        flashAttention: options.flashAttention ?? false,
        experimentalKvCacheKeyType: options.kvCache ?? 'F16',
        experimentalKvCacheValueType: options.kvCache ?? 'F16',
        ...(options.threads > 0 ? { threads: options.threads } : {}),
      });
      return new LlamaCppEngine(lib, llama, model, context, options);
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  async generate(promptIds: readonly number[], options: GreedyOptions, withMargins = false): Promise<GreedyRun> {
    const sequence = this.context.getSequence();
    try {
      const bias = new this.lib.TokenBias(this.model.tokenizer);
      const banned = this.options.banned.filter((id) => id !== this.options.eosId);
      if (banned.length > 0) bias.set(banned, 'never');
      const clock = new TokenClock();
      const margins: number[] = [];
      const tokens = [...promptIds];
      const evaluation = { temperature: 0, tokenBias: bias };
      const generator = withMargins
        ? sequence.evaluateWithMetadata(tokens, { probabilities: true }, evaluation)
        : sequence.evaluate(tokens, evaluation);
      let substitute: number | undefined;
      for (;;) {
        const step = await generator.next(substitute);
        substitute = undefined;
        if (step.done) break;
        const value: number | { token: number; probabilities: Map<number, number> } = step.value;
        const token = typeof value === 'number' ? value : value.token;
        if (typeof value !== 'number') margins.push(logRatioOfTopTwo(value.probabilities));
        if (token === this.options.eosId) {
          if (!options.ignoreEos) break;
          substitute = this.firstAllowedToken();
          clock.token(substitute);
        } else clock.token(token);
        if (clock.tokens.length >= options.maxNewTokens) break;
      }
      await generator.return(undefined);
      this.lastMargins = margins;
      return clock.run();
    } finally {
      await sequence.dispose();
    }
  }

  private firstAllowedToken(): number {
    const blocked = new Set([...this.options.banned, this.options.eosId]);
    let id = 0;
    while (blocked.has(id)) id++;
    return id;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/** ln(p1) − ln(p2) of a probability map (= the logit margin: softmax keeps differences). */
export function logRatioOfTopTwo(probabilities: ReadonlyMap<number, number>): number {
  let first = 0;
  let second = 0;
  for (const p of probabilities.values()) {
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  return second > 0 ? Math.log(first) - Math.log(second) : Infinity;
}
