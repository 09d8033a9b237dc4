/**
 * Token healing (as Guidance and llama.cpp do it). A prompt that ends at the cursor usually ends
 * in a token the model rarely saw in that position: byte-level BPE merges a line break with the
 * indentation after it ("\n        " is one token in training text), so a prompt ending in a bare
 * "\n" asks the model to continue after a token that almost never precedes spaces. Healing backs
 * the prompt up by its last token and lets the model write that text itself: the first generated
 * tokens are constrained to spell out the removed text (or start with it), so the model may pick
 * "\n        " where the prompt had "\n". The healed text is then cut off the output.
 */
import { LogitsProcessor, type Tensor } from '@huggingface/transformers';

export interface Healing {
  /** The prompt without its last token. */
  ids: number[];
  /** What that token spelled: generation must begin with exactly this text. */
  text: string;
}

/**
 * Backs up over the last token when it is ordinary text. Not after a special token (a FIM
 * sentinel such as <fim_middle> is the format, not text to heal), and not for a one-token prompt.
 */
export function healPrompt(ids: readonly number[], special: ReadonlySet<number>, tokenText: (id: number) => string): Healing | undefined {
  const last = ids[ids.length - 1];
  if (ids.length < 2 || last === undefined || special.has(last)) return undefined;
  const text = tokenText(last);
  if (text === '' || text.includes('\uFFFD')) return undefined; // part of a multi-byte character
  return { ids: ids.slice(0, -1), text };
}

/** The output as if the prompt had not been backed up: the healed text cut off its start. */
export function withoutHealedText(output: string, healed: string): string {
  if (output.startsWith(healed)) return output.slice(healed.length);
  return healed.startsWith(output) ? '' : output; // still spelling the healed text
}

/** Token texts of a vocabulary, computed once per tokenizer (decoding ids one by one). */
export function vocabularyTexts(size: number, tokenText: (id: number) => string): string[] {
  return Array.from({ length: size }, (_, id) => tokenText(id));
}

/**
 * Masks every token that does not agree with the healed text still to be written: a token
 * must either start with that text or be a prefix of it. Once the text is written (or passed),
 * the processor does nothing.
 */
export class TokenHealingLogitsProcessor extends LogitsProcessor {
  constructor(
    private readonly healed: string,
    private readonly promptLength: number,
    private readonly vocabulary: readonly string[],
    private readonly tokenText: (id: number) => string,
  ) {
    super();
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    for (let row = 0; row < inputIds.length; row++) {
      const generated = (inputIds[row] ?? []).slice(this.promptLength).map(Number);
      const written = generated.map(this.tokenText).join('');
      if (written.length >= this.healed.length) continue;
      const remaining = this.healed.slice(written.length);
      const scores = (logits as unknown as Tensor[])[row]?.data as Float32Array;
      maskDisagreeing(scores, remaining, this.vocabulary);
    }
    return logits;
  }
}

export function maskDisagreeing(scores: Float32Array, remaining: string, vocabulary: readonly string[]): void {
  for (let id = 0; id < scores.length; id++) {
    const text = vocabulary[id] ?? '';
    const agrees = text !== '' && (text.startsWith(remaining) || remaining.startsWith(text));
    if (!agrees) scores[id] = -Infinity;
  }
}
