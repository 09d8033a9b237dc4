/**
 * Turns the growing decoded text of a generation into safe-to-show deltas.
 *
 * The decoder re-decodes all generated tokens each step (byte-level BPE can split a character
 * across tokens, so only the whole sequence decodes correctly). This class:
 * - cuts the text at the first stop sequence and reports that generation should stop;
 * - holds back a tail that could still become a stop sequence, so a stop string is never shown
 *   half-way;
 * - holds back a trailing U+FFFD, which means a multi-byte character is still incomplete.
 */
export class StopText {
  private emitted = 0;
  private stoppedAt: number | undefined;

  constructor(private readonly stops: readonly string[]) {}

  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Feed the full decoded text so far; returns the new text that may be shown now. */
  update(fullText: string): string {
    if (this.stoppedAt !== undefined) return '';
    const stopIndex = this.firstStop(fullText);
    if (stopIndex !== undefined) {
      this.stoppedAt = stopIndex;
      return this.take(fullText, stopIndex);
    }
    let safeEnd = fullText.length - this.partialStopLength(fullText);
    while (safeEnd > this.emitted && fullText.charCodeAt(safeEnd - 1) === 0xfffd) safeEnd--;
    return this.take(fullText, safeEnd);
  }

  /** At the end of generation: everything not yet shown (minus a stop sequence). */
  finish(fullText: string): string {
    if (this.stoppedAt !== undefined) return '';
    return this.take(fullText, fullText.length);
  }

  /** The final visible text, given the full decoded text. */
  visible(fullText: string): string {
    return fullText.slice(0, this.stoppedAt ?? fullText.length);
  }

  private take(text: string, end: number): string {
    if (end <= this.emitted) return '';
    const delta = text.slice(this.emitted, end);
    this.emitted = end;
    return delta;
  }

  private firstStop(text: string): number | undefined {
    let best: number | undefined;
    for (const stop of this.stops) {
      if (!stop) continue;
      // A stop can only newly appear in the part not yet checked (plus its own length).
      const from = Math.max(0, this.emitted - stop.length + 1);
      const index = text.indexOf(stop, from);
      if (index >= 0 && (best === undefined || index < best)) best = index;
    }
    return best;
  }

  /** Length of the longest text suffix that is a proper prefix of some stop sequence. */
  private partialStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let len = Math.min(stop.length - 1, text.length); len > longest; len--) {
        if (text.endsWith(stop.slice(0, len))) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }
}
