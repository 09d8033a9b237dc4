/**
 * Which FIM prompt format an offload model expects. The setting wins unless it is 'auto'; then
 * the model name decides (backends/fimDetection.ts), because OpenAI-compatible servers do not say
 * how a model was trained: llama.cpp's `GET /props` names the model file and its BOS/EOS tokens
 * and chat template, not its FIM tokens. Servers that format FIM themselves, llama.cpp's
 * `/infill`, need no template at all; see OffloadBackend.fimTemplate.
 */
import type { FimTemplateId } from '../../config';
import { fimFamilyForModel } from '../fimDetection';
import type { FimFamily } from '../promptLayout';

export type { FimFamily };
export { fimFamilyForModel };

export function resolveFimTemplate(setting: FimTemplateId, model: string): FimFamily {
  return setting === 'auto' ? fimFamilyForModel(model) : setting;
}
