/**
 * Benchmark-only: make a decoder-only transformers.js model decode without its KV cache.
 *
 * transformers.js 3.8 declares `use_cache` in GenerationConfig but never reads it, so passing
 * `use_cache: false` changes nothing. To measure what the cache saves, this wraps the one step
 * that carries state between decoding steps (`_update_model_kwargs_for_generation`): instead of
 * feeding the new token plus `past_key_values`, it feeds the whole sequence again with an empty
 * past — exactly what decoding without a cache costs. Everything else (sampling, stopping,
 * streaming) stays the same code path.
 */
import { cat, type PreTrainedModel, type Tensor } from '@huggingface/transformers';

type ModelInputs = Record<string, unknown> & { input_ids: Tensor; past_key_values?: unknown };
interface UpdateArgs {
  model_inputs: ModelInputs;
  [key: string]: unknown;
}
interface Updatable {
  _update_model_kwargs_for_generation(args: UpdateArgs): ModelInputs;
}

/** Patches this model instance; call the returned function to restore normal decoding. */
export function withoutKvCache(model: PreTrainedModel): () => void {
  const target = model as unknown as Updatable;
  const original = target._update_model_kwargs_for_generation;
  if (typeof original !== 'function') {
    throw new Error('This transformers.js version has no _update_model_kwargs_for_generation to patch.');
  }
  target._update_model_kwargs_for_generation = function (this: Updatable, args: UpdateArgs) {
    const previousIds = args.model_inputs.input_ids;
    const next = original.call(this, args);
    next.input_ids = cat([previousIds, next.input_ids], 1);
    next.past_key_values = null;
    return next;
  };
  // Deleting the own property re-exposes the prototype's method.
  return () => {
    delete (target as Partial<Updatable>)._update_model_kwargs_for_generation;
  };
}
