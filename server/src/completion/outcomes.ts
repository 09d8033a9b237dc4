/**
 * What happened to a completion after it was returned, as updates of its metrics row: the
 * client reports show, accept (with the accepted length, so word-by-word accepts count as
 * partial) and reject; the server itself sees the user typing along it (typing-along hits).
 * Only recent items are remembered: an event for a forgotten or unknown id is ignored, not an
 * error.
 *
 * Positions within a suggestion are absolute (from its first character): typing along answers
 * with the rest of the suggestion under the same id (items.ts `offset`), and the client reports
 * accepts counted from the suggestion's start, so typing some of it and accepting the rest is one
 * suggestion, accepted in full, with `typedChars` typed and `acceptedChars` accepted.
 */
import type { Outcome } from '../protocol';
import type { MetricsRecorder, RowPatch } from '../metrics/types';

/** The accepted text of a row, for the quality measures (quality/completionQuality.ts). */
export interface AcceptedText {
  /** The metrics row. */
  rowId: string;
  uri: string;
  languageId: string;
  /** The characters the accepts inserted: from the first accepted one to the last. */
  text: string;
  /** Where `text` started in the document when the suggestion was returned. */
  offset: number;
}

/** Where a returned suggestion stands in its document. */
export interface ReturnedSuggestion {
  text: string;
  uri: string;
  languageId: string;
  /** Document offset of the cursor the suggestion was returned for. */
  offset: number;
}

/** State shared by the items of one request (its metrics row). */
interface RequestState {
  rowId: string;
  uri: string;
  languageId: string;
  offset: number;
  /** Once any item was (partly) accepted, the row stays accepted. */
  accepted: boolean;
  rejected: boolean;
  displayed: boolean;
  /** The shownChars the row holds: the length of the item displayed last. */
  shownChars: number;
}

/** One returned item: a request's suggestion, or another candidate of an explicit trigger. */
interface TrackedItem {
  text: string;
  request: RequestState;
  /** How far into the suggestion the document is: typed along or accepted. */
  position: number;
  acceptedChars: number;
  typedChars: number;
  /** Where in the suggestion the first accept started (what was typed before it stays typed). */
  acceptFrom?: number;
}

/** Items, not requests: an explicit trigger returns up to three (candidates.ts). */
const REMEMBERED_ITEMS = 1000;

export class CompletionOutcomes {
  private readonly tracked = new Map<string, TrackedItem>();

  constructor(
    private readonly metrics: Pick<MetricsRecorder, 'update'>,
    /** Called after every accept that inserted more of a suggestion. */
    private readonly onAccepted: (accepted: AcceptedText) => void = () => undefined,
  ) {}

  /** A completion was returned to the client (its row holds shownChars already); its item id is the request id. */
  track(requestId: string, suggestion: ReturnedSuggestion): void {
    const request: RequestState = {
      rowId: requestId,
      uri: suggestion.uri,
      languageId: suggestion.languageId,
      offset: suggestion.offset,
      accepted: false,
      rejected: false,
      displayed: false,
      shownChars: suggestion.text.length,
    };
    this.remember(requestId, newItem(suggestion.text, request));
  }

  /**
   * Another item of a tracked request (candidates.ts), with its own id and text: the client
   * reports events with the id of the item it displayed, so an accept is measured against the
   * text that was actually inserted.
   */
  trackCandidate(itemId: string, requestId: string, text: string): void {
    const first = this.tracked.get(requestId);
    if (!first) return;
    this.remember(itemId, newItem(text, first.request));
  }

  /**
   * The editor displayed it: the row says so once, and its shownChars follow the candidate
   * that was displayed. Returns whether the id is known.
   */
  didShow(itemId: string): boolean {
    const entry = this.tracked.get(itemId);
    if (!entry) return false;
    const { request } = entry;
    const patch: RowPatch = {};
    if (!request.displayed) patch.displayed = 1;
    if (request.shownChars !== entry.text.length) patch.shownChars = entry.text.length;
    request.displayed = true;
    request.shownChars = entry.text.length;
    if (Object.keys(patch).length > 0) this.metrics.update(request.rowId, patch);
    return true;
  }

  /**
   * The user typed the first `typedLength` characters of the item (a typing-along hit; the
   * whole of it when typed out). No new row: the item's row counts the typed characters.
   */
  didTypeAlong(itemId: string, typedLength: number): void {
    const entry = this.tracked.get(itemId);
    if (!entry || !Number.isFinite(typedLength)) return;
    const position = Math.max(0, Math.min(entry.text.length, Math.floor(typedLength)));
    entry.position = position;
    // Characters up to here that were not accepted were typed (a backspace does not untype them).
    const typed = Math.max(entry.typedChars, position - entry.acceptedChars);
    if (typed === entry.typedChars) return;
    entry.typedChars = typed;
    this.metrics.update(entry.request.rowId, { typedChars: typed });
  }

  /**
   * Accepted in full, or partially (a word or a line): `acceptedLength` counts from the start of
   * the suggestion; the characters it adds beyond what was typed or accepted before count.
   */
  didAccept(itemId: string, acceptedLength: number): Outcome | undefined {
    const entry = this.tracked.get(itemId);
    if (!entry || !Number.isFinite(acceptedLength) || acceptedLength <= 0) return undefined;
    const end = Math.min(entry.text.length, Math.floor(acceptedLength));
    if (end <= entry.position) return undefined;
    entry.acceptFrom ??= entry.position;
    entry.acceptedChars += end - entry.position;
    entry.position = end;
    const { request } = entry;
    request.accepted = true;
    const outcome: Outcome = end >= entry.text.length ? 'accepted' : 'partial';
    const patch: RowPatch = { outcome, acceptedChars: entry.acceptedChars };
    // Typed, then backspaced and accepted: what was typed cannot exceed what was not accepted.
    const typed = Math.min(entry.typedChars, entry.text.length - entry.acceptedChars);
    if (typed !== entry.typedChars) patch.typedChars = entry.typedChars = typed;
    this.metrics.update(request.rowId, patch);
    this.onAccepted({
      rowId: request.rowId,
      uri: request.uri,
      languageId: request.languageId,
      text: entry.text.slice(entry.acceptFrom, end),
      offset: request.offset + entry.acceptFrom,
    });
    return outcome;
  }

  /**
   * Dismissed or typed over, once per row. A completion already (partly) accepted stays
   * accepted; the item is still remembered, so typing along it and a later accept still count.
   */
  didReject(itemId: string): Outcome | undefined {
    const entry = this.tracked.get(itemId);
    if (!entry || entry.request.accepted || entry.request.rejected) return undefined;
    entry.request.rejected = true;
    this.metrics.update(entry.request.rowId, { outcome: 'rejected' });
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

function newItem(text: string, request: RequestState): TrackedItem {
  return { text, request, position: 0, acceptedChars: 0, typedChars: 0 };
}
