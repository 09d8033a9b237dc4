/**
 * What happened to a completion after it was returned: the client reports show, accept (with
 * the accepted length, so word-by-word accepts count as partial) and reject. Only recent
 * requests are remembered: an event for a forgotten or unknown id is ignored, not an error.
 */
import type { Outcome } from '../protocol';
import type { MetricsRecorder } from '../metrics/types';

/** One returned item: a request's suggestion, or another candidate of an explicit trigger. */
interface TrackedItem {
  /** The request (metrics row) the item belongs to. */
  requestId: string;
  insertTextLength: number;
  acceptedChars: number;
  /** Shared by the items of one request: once any of them was accepted, the row stays accepted. */
  request: { accepted: boolean };
}

/** Items, not requests: an explicit trigger returns up to three (candidates.ts). */
const REMEMBERED_ITEMS = 1000;

export class CompletionOutcomes {
  private readonly tracked = new Map<string, TrackedItem>();

  constructor(private readonly metrics: MetricsRecorder) {}

  /** A completion was returned to the client (its metrics row says 'shown'); its item id is the request id. */
  track(requestId: string, insertTextLength: number): void {
    this.remember(requestId, { requestId, insertTextLength, acceptedChars: 0, request: { accepted: false } });
  }

  /**
   * Another item of a tracked request (candidates.ts), with its own id and length: the client
   * reports events with the id of the item it displayed, so an accept is measured against the
   * text that was actually inserted.
   */
  trackCandidate(itemId: string, requestId: string, insertTextLength: number): void {
    const first = this.tracked.get(requestId);
    if (!first) return;
    this.remember(itemId, { requestId, insertTextLength, acceptedChars: 0, request: first.request });
  }

  /**
   * The editor displayed it. The row already says 'shown' (VS Code's stable API cannot tell a
   * provider when it displays an item), so this only reports whether the id is known.
   */
  didShow(itemId: string): boolean {
    return this.tracked.has(itemId);
  }

  /** Accepted in full, or partially (a word or a line): the largest accepted length counts. */
  didAccept(itemId: string, acceptedLength: number): Outcome | undefined {
    const entry = this.tracked.get(itemId);
    if (!entry || !Number.isFinite(acceptedLength) || acceptedLength <= 0) return undefined;
    entry.acceptedChars = Math.min(entry.insertTextLength, Math.max(entry.acceptedChars, Math.floor(acceptedLength)));
    entry.request.accepted = true;
    const outcome: Outcome = entry.acceptedChars >= entry.insertTextLength ? 'accepted' : 'partial';
    this.metrics.updateOutcome(entry.requestId, outcome, entry.acceptedChars);
    return outcome;
  }

  /** Dismissed or typed over. A completion already (partly) accepted stays accepted. */
  didReject(itemId: string): Outcome | undefined {
    const entry = this.tracked.get(itemId);
    if (!entry || entry.request.accepted) return undefined;
    this.metrics.updateOutcome(entry.requestId, 'rejected');
    this.tracked.delete(itemId);
    return 'rejected';
  }

  private remember(itemId: string, item: TrackedItem): void {
    this.tracked.set(itemId, item);
    if (this.tracked.size > REMEMBERED_ITEMS) {
      const oldest = this.tracked.keys().next().value;
      if (oldest !== undefined) this.tracked.delete(oldest);
    }
  }
}
