/**
 * Where a fill-in-the-middle prompt puts the code, and how code is cut to fit a window. Shared by
 * the completion service (which formats prompts) and the offload backend (which re-trims a
 * formatted prompt a server refused as too long), so both cut the same way.
 */
import type { FimTemplateId } from '../config';

export type FimFamily = Exclude<FimTemplateId, 'auto'>;

/**
 * Each family's template: `open + prefix + middle + suffix + close`. Each model family was
 * trained with its own sentinels; the spaces in CodeLlama's are part of it (Rozière et al. 2023).
 * The bundled model was trained with StarCoder's PSM layout (models/training/lm_data.py).
 */
export const FIM_LAYOUTS: Record<Exclude<FimFamily, 'none'>, readonly [open: string, middle: string, close: string]> = {
  tandem: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
  starcoder: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
  codellama: ['<PRE> ', ' <SUF>', ' <MID>'],
  deepseek: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
};

/**
 * Prefix and suffix within `budgetChars`: the suffix gets at most a quarter of it (less when it
 * is shorter), the prefix the rest; the text nearest the cursor is kept, cut at line boundaries
 * so the model never sees half a line at the window's edge.
 */
export function fitPrefixSuffix(prefix: string, suffix: string, budgetChars: number): { prefix: string; suffix: string } {
  if (prefix.length + suffix.length <= budgetChars) return { prefix, suffix };
  const suffixBudget = Math.min(suffix.length, Math.floor(budgetChars / 4));
  return { prefix: keepTail(prefix, budgetChars - suffixBudget), suffix: keepHead(suffix, suffixBudget) };
}

/** The last `limit` characters, from a line start (unless the only line break ends the text). */
export function keepTail(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const start = text.length - limit;
  const lineStart = text.indexOf('\n', start);
  return lineStart >= 0 && lineStart < text.length - 1 ? text.slice(lineStart + 1) : text.slice(start);
}

/** The first `limit` characters, up to a line end when there is one. */
export function keepHead(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const lineEnd = text.lastIndexOf('\n', limit);
  return lineEnd > 0 ? text.slice(0, lineEnd) : text.slice(0, limit);
}
