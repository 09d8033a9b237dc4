/**
 * Which FIM prompt format an offload model expects. The setting wins unless it is 'auto'; then
 * the model name decides, because OpenAI-compatible servers do not say how a model was trained.
 *
 * An unknown name gets no template ('none': the prefix alone). A wrong template is worse than
 * none: a model fed sentinels it was never trained on continues the sentinels instead of the
 * code, and every answer is silently off. Prefix-only completion is plain but correct, and the
 * user can name the family in `tandem.offload.fimTemplate`. (Servers that format FIM themselves,
 * llama.cpp's `/infill`, need no template at all; see OffloadBackend.fimTemplate.)
 */
import type { FimTemplateId } from '../../config';
import type { FimFamily } from '../promptLayout';

export type { FimFamily };

/** Model-name patterns, checked in order; the first match wins. */
const FAMILY_BY_NAME: ReadonlyArray<readonly [RegExp, FimFamily]> = [
  // Tandem's own models (the bundled completion model, e.g. converted to GGUF and served by
  // llama.cpp) were trained with StarCoder's PSM sentinels under the 'tandem' template.
  [/(^|[/:])tandem[-_]/i, 'tandem'],
  [/code-?llama/i, 'codellama'],
  [/star-?coder/i, 'starcoder'],
  [/qwen.*coder|codeqwen/i, 'starcoder'],
  [/deepseek/i, 'deepseek'],
];

/** FIM family for a served model name; 'none' (prefix only) when nothing matches. */
export function fimFamilyForModel(model: string): FimFamily {
  for (const [pattern, family] of FAMILY_BY_NAME) if (pattern.test(model)) return family;
  return 'none';
}

export function resolveFimTemplate(setting: FimTemplateId, model: string): FimFamily {
  return setting === 'auto' ? fimFamilyForModel(model) : setting;
}
