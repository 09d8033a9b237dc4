/**
 * What happened to a completion after it was returned: the client reports show, accept (with
 * the accepted length, so word-by-word accepts count as partial) and reject. Only recent
 * requests are remembered: an event for a forgotten or unknown id is ignored, not an error.
 */
import type { Outcome } from '../protocol';
import type { MetricsRecorder } from '../metrics/types';

interface Tracked {
  insertTextLength: number;
  acceptedChars: number;
}

const REMEMBERED_REQUESTS = 1000;

export class CompletionOutcomes {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly metrics: MetricsRecorder) {}

  /** A completion was returned to the client (its metrics row says 'shown'). */
  track(requestId: string, insertTextLength: number): void {
    this.tracked.set(requestId, { insertTextLength, acceptedChars: 0 });
    if (this.tracked.size > REMEMBERED_REQUESTS) {
      const oldest = this.tracked.keys().next().value;
      if (oldest !== undefined) this.tracked.delete(oldest);
    }
  }

  /**
   * The editor displayed it. The row already says 'shown' (VS Code's stable API cannot tell a
   * provider when it displays an item), so this only reports whether the id is known.
   */
  didShow(requestId: string): boolean {
    return this.tracked.has(requestId);
  }

  /** Accepted in full, or partially (a word or a line): the largest accepted length counts. */
  didAccept(requestId: string, acceptedLength: number): Outcome | undefined {
    const entry = this.tracked.get(requestId);
    if (!entry || !Number.isFinite(acceptedLength) || acceptedLength <= 0) return undefined;
    entry.acceptedChars = Math.min(entry.insertTextLength, Math.max(entry.acceptedChars, Math.floor(acceptedLength)));
    const outcome: Outcome = entry.acceptedChars >= entry.insertTextLength ? 'accepted' : 'partial';
    this.metrics.updateOutcome(requestId, outcome, entry.acceptedChars);
    return outcome;
  }

  /** Dismissed or typed over. A completion already (partly) accepted stays accepted. */
  didReject(requestId: string): Outcome | undefined {
    const entry = this.tracked.get(requestId);
    if (!entry || entry.acceptedChars > 0) return undefined;
    this.metrics.updateOutcome(requestId, 'rejected');
    this.tracked.delete(requestId);
    return 'rejected';
  }
}
