/**
 * Which FIM prompt format an offload model expects. The setting wins unless it is 'auto'; then
 * the model name decides, because OpenAI-compatible servers do not say how a model was trained.
 */
import type { FimTemplateId } from '../../config';

export type FimFamily = Exclude<FimTemplateId, 'auto'>;

/** Model-name patterns, checked in order; the first match wins. */
const FAMILY_BY_NAME: ReadonlyArray<readonly [RegExp, FimFamily]> = [
  [/code-?llama/i, 'codellama'],
  [/star-?coder/i, 'starcoder'],
  [/qwen.*coder|codeqwen/i, 'starcoder'],
  [/deepseek/i, 'deepseek'],
];

/** FIM family for a served model name; CodeLlama's format when nothing matches (the reference setup). */
export function fimFamilyForModel(model: string): FimFamily {
  for (const [pattern, family] of FAMILY_BY_NAME) if (pattern.test(model)) return family;
  return 'codellama';
}

export function resolveFimTemplate(setting: FimTemplateId, model: string): FimFamily {
  return setting === 'auto' ? fimFamilyForModel(model) : setting;
}
