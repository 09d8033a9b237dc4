/**
 * Fitting a completion prompt into the offload server's context window, with room for the answer.
 *
 * Tokens are estimated, not counted: no tokenizer for the served model is at hand (the model is
 * whatever the server runs), so a prompt of N characters is taken as N / charsPerToken tokens
 * with charsPerToken = 3 to start with — conservative for code under BPE / SentencePiece
 * tokenizers, which average 3.5–4.5 characters per token. When a server says how many tokens a
 * prompt really had (llama.cpp's `exceed_context_size_error` carries `n_prompt_tokens`), the
 * measured ratio replaces the guess if it is smaller.
 *
 * The prefix and suffix are cut as the completion service cuts them (backends/promptLayout.ts).
 */
import { FIM_LAYOUTS, fitPrefixSuffix, keepTail, layoutOverhead, layoutPrompt, splitLayoutPrompt, type FimFamily } from '../promptLayout';

export const DEFAULT_CHARS_PER_TOKEN = 3;

/** Tokens kept free besides the answer: BOS, the FIM sentinels, rounding in the estimate. */
const SAFETY_TOKENS = 8;

/** Never send less than this many tokens of prompt, whatever the numbers say. */
const MIN_PROMPT_TOKENS = 16;

/**
 * The answer's room: what the request asks for, but at most half the window, so a max_tokens
 * larger than a small slot (llama.cpp `-c 2048 -np 4` gives 512) still leaves space for context.
 */
export function answerTokens(maxTokens: number, contextTokens: number): number {
  return Math.max(1, Math.min(maxTokens, Math.floor(contextTokens / 2)));
}

/** Tokens of prompt that fit next to an answer of `answer` tokens. */
export function promptTokenBudget(contextTokens: number, answer: number): number {
  return Math.max(MIN_PROMPT_TOKENS, contextTokens - answer - SAFETY_TOKENS);
}

/**
 * A prompt already formatted with `family`'s template, fitted to `budgetChars`; undefined when
 * the prompt does not have the family's layout (then it cannot be trimmed safely).
 */
export function fitTemplatedPrompt(prompt: string, family: FimFamily, budgetChars: number): string | undefined {
  if (family === 'none') return keepTail(prompt, budgetChars);
  const layout = FIM_LAYOUTS[family];
  const parts = splitLayoutPrompt(layout, prompt);
  if (!parts) return undefined;
  const fitted = fitPrefixSuffix(parts.prefix, parts.suffix, Math.max(0, budgetChars - layoutOverhead(layout)));
  return layoutPrompt(layout, fitted.prefix, fitted.suffix);
}
