/**
 * Fill-in-the-middle prompt formats per model family. Each family was trained with its own
 * sentinel tokens; a prompt in the wrong format makes the model continue the sentinels instead
 * of the code, so the backend declares its family and the service formats accordingly.
 */
import { FIM_LAYOUTS, layoutPrompt, type FimFamily } from '../backends/promptLayout';

export type { FimFamily };

/**
 * Tokens each family may emit when it is done (or confused); generation stops at them. The end
 * tokens come first: some servers keep only the first few stop strings. Spellings from the
 * models' tokenizers and llama.cpp's end-of-generation list (llama-vocab.cpp).
 */
const SENTINELS: Record<FimFamily, readonly string[]> = {
  tandem: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
  // StarCoder / StarCoder2 / CodeQwen1.5 / Granite Code / StableCode.
  starcoder: ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>'],
  // Qwen2.5-Coder (and Qwen3-Coder): repository-level tokens end a file, the chat tokens a turn.
  qwen: [
    '<|endoftext|>',
    '<|file_sep|>',
    '<|fim_pad|>',
    '<|repo_name|>',
    '<|fim_prefix|>',
    '<|fim_suffix|>',
    '<|fim_middle|>',
    '<|im_start|>',
    '<|im_end|>',
  ],
  codegemma: ['<|file_separator|>', '<eos>', '<end_of_turn>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
  codellama: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  deepseek: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  codestral: ['</s>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]'],
  // Plain continuation for models without FIM training: the suffix cannot be used.
  none: [],
};

export function formatFimPrompt(family: FimFamily, prefix: string, suffix: string): string {
  return family === 'none' ? prefix : layoutPrompt(FIM_LAYOUTS[family], prefix, suffix);
}

export function fimSentinels(family: FimFamily): readonly string[] {
  return SENTINELS[family];
}
