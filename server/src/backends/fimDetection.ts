/**
 * Which fill-in-the-middle family a model speaks. Best from what the model itself declares: a
 * format string in its config, or which sentinel spelling its tokenizer has (the same spellings
 * llama.cpp's vocabulary loader looks for to find a model's FIM tokens, llama-vocab.cpp). Failing
 * that, from its name: OpenAI-compatible servers say nothing else about how a model was trained.
 *
 * An unknown model gets no template ('none': the prefix alone). A wrong template is worse than
 * none: a model fed sentinels it was never trained on continues the sentinels instead of the
 * code, and every answer is silently off.
 */
import { FIM_LAYOUTS, layoutPrompt, type FimFamily, type FimLayout } from './promptLayout';

/** Model-name patterns, checked in order; the first match wins. */
const FAMILY_BY_NAME: ReadonlyArray<readonly [RegExp, FimFamily]> = [
  // Tandem's own models (the bundled completion model, e.g. converted to GGUF and served by
  // llama.cpp) were trained with StarCoder's PSM sentinels under the 'tandem' template.
  [/(^|[/:])tandem[-_]/i, 'tandem'],
  [/code-?llama/i, 'codellama'],
  // Mamba-Codestral was trained without FIM (its model card's discussion, Mistral staff).
  [/^(?!.*mamba).*codestral/i, 'codestral'],
  [/code-?gemma/i, 'codegemma'],
  // CodeQwen1.5 spells StarCoder's sentinels; Qwen2.5-Coder and later their own `<|fim_…|>`.
  [/codeqwen/i, 'starcoder'],
  [/qwen.*coder/i, 'qwen'],
  [/star-?coder|granite.*code|stable-?code/i, 'starcoder'],
  // DeepSeek's R1 distills are Qwen or Llama models under DeepSeek's name, without FIM training.
  [/^(?!.*distill).*deepseek/i, 'deepseek'],
];

/** FIM family for a model name; 'none' (prefix only) when nothing matches. */
export function fimFamilyForModel(model: string): FimFamily {
  for (const [pattern, family] of FAMILY_BY_NAME) if (pattern.test(model)) return family;
  return 'none';
}

/**
 * The family whose prefix sentinel the tokenizer has; undefined when it has none. Qwen2.5 and
 * Gemma share `<|fim_prefix|>`; Gemma's vocabulary also has `<|file_separator|>` where Qwen's has
 * `<|file_sep|>`. CodeLlama's SentencePiece pieces carry a leading `▁`.
 */
export function fimFamilyFromTokens(has: (token: string) => boolean): FimFamily | undefined {
  if (has('<｜fim▁begin｜>')) return 'deepseek';
  if (has('[PREFIX]') && has('[SUFFIX]')) return 'codestral';
  if (has('<|fim_prefix|>')) return has('<|file_separator|>') ? 'codegemma' : 'qwen';
  if (has('<fim_prefix>')) return 'starcoder';
  if (has('▁<PRE>') || has('<PRE>')) return 'codellama';
  return undefined;
}

/**
 * The family whose layout a format string such as `<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>`
 * spells (Tandem's config.json `tandem.fim_format`); undefined for a format no family has.
 * 'tandem' is listed first, so the bundled model's StarCoder-spelled format names it.
 */
export function fimFamilyFromFormat(format: string): FimFamily | undefined {
  for (const [family, layout] of Object.entries(FIM_LAYOUTS) as Array<[FimFamily, FimLayout]>) {
    if (layoutPrompt(layout, '{prefix}', '{suffix}') === format) return family;
  }
  return undefined;
}
