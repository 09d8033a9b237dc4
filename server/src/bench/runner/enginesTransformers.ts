/**
 * transformers.js as its documentation shows it: AutoModelForCausalLM.from_pretrained and
 * model.generate({ do_sample: false }) with a streamer to see each token arrive (for TTFT). The
 * only setting changed from the library's defaults is the intra-op thread count, so every engine
 * runs on the same number of threads. Runs on the bench's main thread, no worker, no KV reuse
 * across calls: the stock library next to Tandem's path and the bare loop.
 * generation_config.json's bad_words_ids apply as the library reads them; ignoring EOS uses
 * `min_new_tokens` (the library's way to forbid EOS before a length).
 */
import { dirname } from 'node:path';
import type { TandemConfig } from '../../config';
import { TokenClock, type GreedyEngine, type GreedyOptions, type GreedyRun } from './enginesGreedy';

type TransformersModule = typeof import('@huggingface/transformers');

interface CausalModel {
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

export class StockTransformers implements GreedyEngine {
  readonly name = 'transformers.js';

  private constructor(
    private readonly lib: TransformersModule,
    private readonly model: CausalModel,
  ) {}

  static async open(modelDir: string, dtype: TandemConfig['local']['dtype'], threads: number): Promise<StockTransformers> {
    const lib = await import('@huggingface/transformers');
    lib.env.allowLocalModels = true;
    lib.env.allowRemoteModels = false;
    lib.env.localModelPath = dirname(modelDir);
    const model = (await lib.AutoModelForCausalLM.from_pretrained(modelDir, {
      local_files_only: true,
      dtype,
      device: 'cpu',
      ...(threads > 0 ? { session_options: { intraOpNumThreads: threads } } : {}),
    })) as unknown as CausalModel;
    return new StockTransformers(lib, model);
  }

  async generate(promptIds: readonly number[], options: GreedyOptions): Promise<GreedyRun> {
    const ids = BigInt64Array.from(promptIds.map(BigInt));
    const inputIds = new this.lib.Tensor('int64', ids, [1, ids.length]);
    const mask = new this.lib.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const clock = new TokenClock();
    let promptSeen = false;
    // The streamer protocol: put() first gets the prompt ids, then each new token; end() at the end.
    const streamer = {
      put: (value: bigint[][]) => {
        if (!promptSeen) {
          promptSeen = true;
          return;
        }
        for (const id of value[0] ?? []) clock.token(Number(id));
      },
      end: () => undefined,
    };
    await this.model.generate({
      input_ids: inputIds,
      attention_mask: mask,
      max_new_tokens: options.maxNewTokens,
      ...(options.ignoreEos ? { min_new_tokens: options.maxNewTokens } : {}),
      do_sample: false,
      streamer,
    });
    return clock.run();
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
