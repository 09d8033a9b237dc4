/**
 * Token counts for the cross-file budget without a worker round trip on the keystroke path.
 *
 * Offload: an estimate (characters per token). Local: the model's own tokenizer, counted once
 * per distinct snippet text in the background and remembered; until a count arrives the snippet
 * is estimated with the ratio the tokenizer has shown so far on earlier snippets. Snippets come
 * from documents the user is not editing, so the same texts recur keystroke after keystroke and
 * the counts are exact from the second request on.
 */
import type { TokenMeter } from './budget';

/** Conservative for code (the bundled tokenizer averages 3.1 characters per token, large models ~3.5). */
export const ESTIMATED_CHARS_PER_TOKEN = 3;

export function estimateTokens(text: string, charsPerToken = ESTIMATED_CHARS_PER_TOKEN): number {
  return Math.ceil(text.length / charsPerToken);
}

export const estimatingMeter: TokenMeter = { count: (text) => ({ tokens: estimateTokens(text), exact: false }) };

/** Counts `text` with the model's tokenizer; undefined when it cannot now (model not loaded). */
export type TokenizerCount = (text: string, signal: AbortSignal) => Promise<number> | undefined;

const MAX_REMEMBERED = 512;
const MAX_PENDING = 8;

export class TokenizerMeter implements TokenMeter {
  /** Snippet text → tokens; insertion order is age (the oldest is dropped when full). */
  private readonly counts = new Map<string, number>();
  private readonly pending = new Set<string>();
  private readonly lifetime = new AbortController();
  private countedChars = 0;
  private countedTokens = 0;

  constructor(private readonly countExactly: TokenizerCount) {}

  count(text: string): { tokens: number; exact: boolean } {
    const known = this.counts.get(text);
    if (known !== undefined) return { tokens: known, exact: true };
    this.countLater(text);
    return { tokens: estimateTokens(text, this.charsPerToken()), exact: false };
  }

  /** Resolves when the background counts started so far have settled (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  dispose(): void {
    this.lifetime.abort();
  }

  /** The ratio seen so far, never more generous than the default estimate's until measured. */
  private charsPerToken(): number {
    return this.countedTokens > 0 ? this.countedChars / this.countedTokens : ESTIMATED_CHARS_PER_TOKEN;
  }

  private countLater(text: string): void {
    if (this.pending.has(text) || this.pending.size >= MAX_PENDING || this.lifetime.signal.aborted) return;
    const counting = this.countExactly(text, this.lifetime.signal);
    if (!counting) return;
    this.pending.add(text);
    counting.then(
      (tokens) => {
        this.pending.delete(text);
        if (this.counts.size >= MAX_REMEMBERED) this.counts.delete(this.counts.keys().next().value as string);
        this.counts.set(text, tokens);
        this.countedChars += text.length;
        this.countedTokens += tokens;
      },
      // A failed count (model unloaded, shutting down) leaves the estimate in place.
      () => this.pending.delete(text),
    );
  }
}
