/**
 * Where a fill-in-the-middle prompt puts the code, and how code is cut to fit a window. Shared by
 * the completion service (which formats prompts) and the offload backend (which re-trims a
 * formatted prompt a server refused as too long), so both cut the same way.
 */
import type { FimTemplateId } from '../config';

export type FimFamily = Exclude<FimTemplateId, 'auto'>;

/**
 * Where a family puts the two parts of the file. Most were trained prefix-first (PSM:
 * `open + prefix + between + suffix + close`); Mistral's Codestral suffix-first (SPM:
 * `open + suffix + between + prefix + close`, mistral-common's `[SUFFIX]…[PREFIX]…`), with nothing
 * after the prefix, so the model continues the prefix as plain text.
 */
export interface FimLayout {
  readonly order: 'psm' | 'spm';
  readonly open: string;
  readonly between: string;
  readonly close: string;
}

const psm = (open: string, between: string, close: string): FimLayout => ({ order: 'psm', open, between, close });

/**
 * Each family's sentinels, as its model card and tokenizer spell them. The spaces in CodeLlama's
 * are part of it (Rozière et al. 2023). Qwen2.5-Coder and CodeGemma share one spelling (`<|fim_…|>`,
 * unlike StarCoder's `<fim_…>`) but not their end tokens (completion/templates.ts). The bundled
 * model was trained with StarCoder's PSM layout (models/training/lm_data.py).
 */
export const FIM_LAYOUTS: Record<Exclude<FimFamily, 'none'>, FimLayout> = {
  tandem: psm('<fim_prefix>', '<fim_suffix>', '<fim_middle>'),
  starcoder: psm('<fim_prefix>', '<fim_suffix>', '<fim_middle>'),
  qwen: psm('<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'),
  codegemma: psm('<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'),
  codellama: psm('<PRE> ', ' <SUF>', ' <MID>'),
  deepseek: psm('<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'),
  codestral: { order: 'spm', open: '[SUFFIX]', between: '[PREFIX]', close: '' },
};

/** The prompt for `prefix` and `suffix` in `layout`. */
export function layoutPrompt(layout: FimLayout, prefix: string, suffix: string): string {
  const [first, second] = layout.order === 'psm' ? [prefix, suffix] : [suffix, prefix];
  return `${layout.open}${first}${layout.between}${second}${layout.close}`;
}

/**
 * Prefix and suffix of a prompt laid out by `layout`; undefined when the prompt does not have the
 * layout. When the code itself contains the separator's text the prefix is assumed to hold it
 * (the suffix is the part a completion service shortens first, and rarely holds sentinels).
 */
export function splitLayoutPrompt(layout: FimLayout, prompt: string): { prefix: string; suffix: string } | undefined {
  const { open, between, close } = layout;
  if (prompt.length < open.length + between.length + close.length) return undefined;
  if (!prompt.startsWith(open) || !prompt.endsWith(close)) return undefined;
  const body = prompt.slice(open.length, prompt.length - close.length);
  const at = layout.order === 'psm' ? body.lastIndexOf(between) : body.indexOf(between);
  if (at < 0) return undefined;
  const first = body.slice(0, at);
  const second = body.slice(at + between.length);
  return layout.order === 'psm' ? { prefix: first, suffix: second } : { prefix: second, suffix: first };
}

/** Characters a layout adds around the code. */
export function layoutOverhead(layout: FimLayout): number {
  return layout.open.length + layout.between.length + layout.close.length;
}

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
