/**
 * Fill-in-the-middle prompt formats per model family. Each family was trained with its own
 * sentinel tokens; a prompt in the wrong format makes the model continue the sentinels instead
 * of the code, so the backend declares its family and the service formats accordingly.
 */
import type { FimTemplateId } from '../config';

export type FimFamily = Exclude<FimTemplateId, 'auto'>;

interface FimFormat {
  format(prefix: string, suffix: string): string;
  /** Sentinels the model may emit when it is done (or confused); generation stops at them. */
  sentinels: readonly string[];
}

const FORMATS: Record<FimFamily, FimFormat> = {
  // The bundled model was trained with StarCoder's PSM layout (models/training/lm_data.py).
  tandem: {
    format: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
    sentinels: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<|endoftext|>'],
  },
  // Code Llama infilling (Rozière et al. 2023): the spaces around the sentinels are part of it.
  codellama: {
    format: (prefix, suffix) => `<PRE> ${prefix} <SUF>${suffix} <MID>`,
    sentinels: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  },
  // StarCoder / StarCoder2 / CodeQwen1.5. (Qwen2.5-Coder spells them <|fim_prefix|>, a
  // different family; its end tokens are listed so a mismatched model at least stops.)
  starcoder: {
    format: (prefix, suffix) => `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`,
    sentinels: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>', '<|fim_pad|>', '<|file_sep|>'],
  },
  deepseek: {
    format: (prefix, suffix) => `<｜fim▁begin｜>${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`,
    sentinels: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  },
  // Plain continuation for models without FIM training: the suffix cannot be used.
  none: {
    format: (prefix) => prefix,
    sentinels: [],
  },
};

export function formatFimPrompt(family: FimFamily, prefix: string, suffix: string): string {
  return FORMATS[family].format(prefix, suffix);
}

export function fimSentinels(family: FimFamily): readonly string[] {
  return FORMATS[family].sentinels;
}
