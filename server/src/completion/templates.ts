/**
 * Fill-in-the-middle prompt formats per model family. Each family was trained with its own
 * sentinel tokens; a prompt in the wrong format makes the model continue the sentinels instead
 * of the code, so the backend declares its family and the service formats accordingly.
 */
import { FIM_LAYOUTS, type FimFamily } from '../backends/promptLayout';

export type { FimFamily };

/** Sentinels each family may emit when it is done (or confused); generation stops at them. */
const SENTINELS: Record<FimFamily, readonly string[]> = {
  tandem: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<|endoftext|>'],
  codellama: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  // StarCoder / StarCoder2 / CodeQwen1.5. (Qwen2.5-Coder spells them <|fim_prefix|>, a
  // different family; its end tokens are listed so a mismatched model at least stops.)
  starcoder: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>', '<|fim_pad|>', '<|file_sep|>'],
  deepseek: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  // Plain continuation for models without FIM training: the suffix cannot be used.
  none: [],
};

export function formatFimPrompt(family: FimFamily, prefix: string, suffix: string): string {
  if (family === 'none') return prefix;
  const [open, middle, close] = FIM_LAYOUTS[family];
  return `${open}${prefix}${middle}${suffix}${close}`;
}

export function fimSentinels(family: FimFamily): readonly string[] {
  return SENTINELS[family];
}
