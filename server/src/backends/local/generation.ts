/**
 * Worker side: one generation with transformers.js — prompt encoding (with truncation to the
 * model's context), greedy or sampled decoding, streamed text deltas, stop sequences, and an
 * abort flag checked between decoding steps.
 */
import { BaseStreamer, StoppingCriteria, Tensor } from '@huggingface/transformers';
import type { LoadedModel } from './modelHost';
import { StopText } from './stopText';
import { withoutKvCache } from './noKvCache';
import { ContextCacheLogitsProcessor, DEFAULT_CONTEXT_CACHE } from './contextCache';
import { PromptKvCache, type PastKeyValues } from './promptKvCache';
import { SeededSamplingLogitsProcessor } from './seededSampling';
import { healPrompt, TokenHealingLogitsProcessor, vocabularyTexts, withoutHealedText, type Healing } from './tokenHealing';
import type { ToWorker, WorkerTimings } from './workerProtocol';

export type GenerateMessage = Extract<ToWorker, { type: 'generate' }>;

export interface GenerationResult {
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length' | 'cancelled';
  timings: Omit<WorkerTimings, 'queuedMs'>;
}

export class BadRequestError extends Error {}

/** Granularity of prompt truncation for decoder-only models (see encodePrompt). */
const TRUNCATION_STEP = 64;

/** One KV cache per loaded model, kept between its generations (see promptKvCache.ts). */
const promptCaches = new WeakMap<LoadedModel, PromptKvCache>();

function promptCacheOf(loaded: LoadedModel): PromptKvCache {
  let cache = promptCaches.get(loaded);
  if (!cache) {
    cache = new PromptKvCache();
    promptCaches.set(loaded, cache);
  }
  return cache;
}

/** Re-decodes all generated tokens each step and lets StopText decide what is safe to show. */
class DeltaStreamer extends BaseStreamer {
  readonly tokens: number[] = [];
  firstTokenAt: number | undefined;
  lastTokenAt: number | undefined;
  private promptSeen = false;
  private text = '';

  constructor(
    private readonly loaded: LoadedModel,
    private readonly stops: StopText,
    private readonly onDelta: (text: string) => void,
    /** Text token healing removed from the prompt: the output starts with it and loses it here. */
    private readonly healed = '',
  ) {
    super();
  }

  override put(value: bigint[][]): void {
    if (!this.promptSeen) {
      this.promptSeen = true; // generate() first echoes the prompt (or decoder start token)
      return;
    }
    const now = performance.now();
    this.firstTokenAt ??= now;
    this.lastTokenAt = now;
    this.tokens.push(...(value[0] ?? []).map(Number));
    this.text = this.decode();
    const delta = this.stops.update(this.text);
    if (delta) this.onDelta(delta);
  }

  override end(): void {
    const delta = this.stops.finish(this.text);
    if (delta) this.onDelta(delta);
  }

  private decode(): string {
    const visible = this.tokens.filter((id) => !this.loaded.stopTokenIds.has(id));
    if (visible.length === 0) return '';
    // No clean-up of "tokenization spaces": for code it would delete real spaces (" ." → ".").
    const text = this.loaded.tokenizer.decode(visible, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
    return withoutHealedText(text, this.healed);
  }
}

class CallbackCriteria extends StoppingCriteria {
  constructor(private readonly shouldStop: (lastToken: number) => boolean) {
    super();
  }
  override _call(inputIds: number[][]): boolean[] {
    return inputIds.map((row) => this.shouldStop(Number(row[row.length - 1])));
  }
}

export async function runGeneration(
  loaded: LoadedModel,
  request: GenerateMessage,
  isAborted: () => boolean,
  onDelta: (text: string) => void,
): Promise<GenerationResult> {
  const started = performance.now();
  const encoded = encodePrompt(loaded, request);
  const { maxNewTokens } = encoded;
  const healing =
    request.task === 'completion' && !loaded.info.encoderDecoder && (request.tuning.tokenHealing ?? true)
      ? healPrompt(encoded.inputIds, loaded.stopTokenIds, (id) => tokenText(loaded, id))
      : undefined;
  const inputIds = healing?.ids ?? encoded.inputIds;
  const stops = new StopText(request.stop);
  const streamer = new DeltaStreamer(loaded, stops, onDelta, healing?.text);
  let hitSpecialToken = false;
  const criteria = new CallbackCriteria((last) => {
    if (isAborted() || stops.stopped) return true;
    if (!request.tuning.ignoreEos && loaded.stopTokenIds.has(last)) hitSpecialToken = true;
    return hitSpecialToken;
  });

  const useCache = request.tuning.useCache ?? true;
  if (!useCache && loaded.info.encoderDecoder) {
    throw new BadRequestError('Decoding without the KV cache is only supported for decoder-only models.');
  }
  const restore = useCache ? undefined : withoutKvCache(loaded.model);
  // Decoder-only models reuse the KV of the tokens this prompt shares with the previous run.
  const kvCache = useCache && !loaded.info.encoderDecoder && (request.tuning.promptCache ?? true) ? promptCacheOf(loaded) : undefined;
  const reuse = kvCache?.take(inputIds);
  let output: { sequences?: Tensor; past_key_values?: PastKeyValues } | undefined;
  try {
    // A seeded draw is made by the last logits processor; generate() then only picks its token.
    const sampling = request.temperature > 0 && request.seed === undefined;
    // generate()'s declared parameter type omits the generation-config kwargs it accepts.
    const parameters: Record<string, unknown> = {
      inputs: toTensor(inputIds),
      attention_mask: toTensor(inputIds.map(() => 1)),
      max_new_tokens: maxNewTokens,
      do_sample: sampling,
      ...(sampling ? { temperature: request.temperature } : {}),
      ...(request.tuning.ignoreEos ? { min_new_tokens: maxNewTokens } : {}),
      // Summaries from a small seq2seq model loop on a phrase under greedy decoding; forbidding
      // repeated trigrams is the usual summarization setting (BART/T5 use it too).
      ...(loaded.info.encoderDecoder ? { no_repeat_ngram_size: 3 } : {}),
      logits_processor: logitsProcessors(loaded, request, inputIds.length, healing),
      streamer,
      stopping_criteria: [criteria],
      // generate() feeds only the tokens after the reused past (input_ids beyond its length).
      ...(reuse ? { past_key_values: reuse.past } : {}),
      ...(kvCache ? { return_dict_in_generate: true } : {}),
    };
    output = (await loaded.model.generate(parameters as Parameters<typeof loaded.model.generate>[0])) as typeof output;
  } finally {
    restore?.();
  }
  if (kvCache && output?.sequences) {
    kvCache.store(Array.from(output.sequences.data as BigInt64Array, Number), output.past_key_values);
  }

  const firstAt = streamer.firstTokenAt ?? performance.now();
  const generated = streamer.tokens.filter((id) => !loaded.stopTokenIds.has(id)).length;
  return {
    // The prompt as the caller wrote it: a healed token is part of it (and generated again).
    promptTokens: encoded.inputIds.length,
    completionTokens: generated,
    finishReason: isAborted() ? 'cancelled' : stops.stopped || hitSpecialToken ? 'stop' : 'length',
    timings: {
      firstTokenMs: firstAt - started,
      decodeMs: (streamer.lastTokenAt ?? firstAt) - firstAt,
      steps: streamer.tokens.length,
      evaluatedPromptTokens: inputIds.length - (reuse?.tokens ?? 0),
    },
  };
}

/** The context cache first, then token healing's mask, then a seeded draw from what is left. */
function logitsProcessors(loaded: LoadedModel, request: GenerateMessage, promptLength: number, healing: Healing | undefined): unknown[] {
  const processors: unknown[] = [];
  if (request.contextCache && !loaded.info.encoderDecoder) processors.push(new ContextCacheLogitsProcessor(DEFAULT_CONTEXT_CACHE));
  if (healing) {
    const text = (id: number) => tokenText(loaded, id);
    processors.push(new TokenHealingLogitsProcessor(healing.text, promptLength, vocabularyOf(loaded), text));
  }
  if (request.temperature > 0 && request.seed !== undefined) {
    processors.push(new SeededSamplingLogitsProcessor(request.temperature, request.seed));
  }
  return processors;
}

function tokenText(loaded: LoadedModel, id: number): string {
  return loaded.tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
}

/** Each token's text, decoded once per model (the first healed request pays for it). */
const vocabularies = new WeakMap<LoadedModel, string[]>();

function vocabularyOf(loaded: LoadedModel): string[] {
  let vocabulary = vocabularies.get(loaded);
  if (!vocabulary) {
    const size = (loaded.model.config as { vocab_size?: number }).vocab_size ?? loaded.tokenizer.model.vocab.length;
    vocabulary = vocabularyTexts(size, (id) => (loaded.stopTokenIds.has(id) ? '' : tokenText(loaded, id)));
    vocabularies.set(loaded, vocabulary);
  }
  return vocabulary;
}

export function countTokens(loaded: LoadedModel, text: string): number {
  return loaded.tokenizer.encode(text).length;
}

function encodePrompt(loaded: LoadedModel, request: GenerateMessage): { inputIds: number[]; maxNewTokens: number } {
  const { tokenizer, info } = loaded;
  let text = request.prompt;
  if (request.messages?.length && !info.encoderDecoder && tokenizer.chat_template) {
    text = tokenizer.apply_chat_template(request.messages, {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
  }
  let ids = tokenizer.encode(text);
  if (ids.length === 0) throw new BadRequestError('The prompt is empty after tokenization.');
  const context = info.contextTokens;
  let maxNewTokens = Math.max(1, request.maxTokens);
  if (context === undefined) return { inputIds: ids, maxNewTokens };

  if (info.encoderDecoder) {
    // The encoder reads at most `context` tokens: keep the start of the code (and a final EOS
    // when the tokenizer appends one).
    if (ids.length > context) {
      const last = ids[ids.length - 1] as number;
      ids = loaded.stopTokenIds.has(last) ? [...ids.slice(0, context - 1), last] : ids.slice(0, context);
    }
    return { inputIds: ids, maxNewTokens };
  }
  // Decoder-only: prompt + output must fit. Keep the end of the prompt (nearest the cursor) and
  // a leading special token such as <fim_prefix>, which carries the prompt's format.
  maxNewTokens = Math.min(maxNewTokens, Math.floor(context / 2));
  const room = context - maxNewTokens;
  if (ids.length > room) {
    const first = ids[0] as number;
    const keep = loaded.stopTokenIds.has(first) ? 1 : 0;
    // Cut the start in steps of TRUNCATION_STEP tokens, not one token per keystroke: the kept
    // window then starts at the same token for many keystrokes, so the KV cache of the previous
    // run stays reusable (promptKvCache.ts). Costs at most TRUNCATION_STEP − 1 tokens of context.
    const excess = ids.length - room;
    const cut = Math.min(ids.length - keep - 1, Math.ceil(excess / TRUNCATION_STEP) * TRUNCATION_STEP);
    ids = [...ids.slice(0, keep), ...ids.slice(keep + cut)];
  }
  return { inputIds: ids, maxNewTokens };
}

function toTensor(values: number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);
}
