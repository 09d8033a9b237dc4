/**
 * Decides which completion lifecycle events reach the server, exactly once each.
 *
 * VS Code reports the same item as shown again while the user types along it, and (since 1.9x)
 * calls the partial-accept hook twice per step: once with a number and once with an info object
 * carrying the same `acceptedLength`, which counts from the start of the item. So: one `didShow`
 * per item, and a partial accept only when the accepted length grew.
 *
 * Lengths are reported from the start of the suggestion: while the user types along a suggestion
 * the server answers with its rest under the same id and `offset` = what was typed, so an accept
 * of that item counts `offset` plus VS Code's length (and still works if VS Code kept showing the
 * earlier, longer item).
 */
import type { BackendId, CompletionItemData } from '../../server/src/protocol';

/** How many items to remember; an item older than this is long gone from the editor. */
const MAX_TRACKED = 256;

interface TrackedItem {
  shown: boolean;
  acceptedLength: number;
  fullyAccepted: boolean;
}

export class CompletionEventTracker {
  private readonly items = new Map<string, TrackedItem>();

  /** True when this is the first time the item is shown, so `didShow` should be sent. */
  shown(data: CompletionItemData): boolean {
    const item = this.get(data.requestId);
    if (item.shown) return false;
    item.shown = true;
    return true;
  }

  /**
   * The length to report for a partial accept, or undefined when there is nothing new (a
   * duplicate call, or a length that did not grow). Capped at the item's length.
   */
  partiallyAccepted(data: CompletionItemData, acceptedLength: number): number | undefined {
    if (!Number.isFinite(acceptedLength) || acceptedLength <= 0) return undefined;
    const item = this.get(data.requestId);
    const length = offsetOf(data) + Math.min(Math.floor(acceptedLength), data.insertTextLength);
    if (item.fullyAccepted || length <= item.acceptedLength) return undefined;
    item.acceptedLength = length;
    return length;
  }

  /** The length to report for a full accept (the item command ran), or undefined if already sent. */
  accepted(data: CompletionItemData): number | undefined {
    const item = this.get(data.requestId);
    if (item.fullyAccepted) return undefined;
    item.fullyAccepted = true;
    item.acceptedLength = offsetOf(data) + data.insertTextLength;
    return item.acceptedLength;
  }

  /** True when a rejection should be reported: shown, and nothing of it accepted. */
  rejected(data: CompletionItemData): boolean {
    const item = this.items.get(data.requestId);
    if (!item || !item.shown || item.acceptedLength > 0 || item.fullyAccepted) return false;
    this.items.delete(data.requestId);
    return true;
  }

  private get(requestId: string): TrackedItem {
    let item = this.items.get(requestId);
    if (!item) {
      item = { shown: false, acceptedLength: 0, fullyAccepted: false };
      this.items.set(requestId, item);
      // Maps iterate in insertion order: the first key is the oldest item.
      if (this.items.size > MAX_TRACKED) {
        const oldest = this.items.keys().next().value;
        if (oldest !== undefined) this.items.delete(oldest);
      }
    }
    return item;
  }
}

/** Characters of the suggestion typed along before this item (the server's `offset`). */
function offsetOf(data: CompletionItemData): number {
  return data.offset ?? 0;
}

const BACKENDS: readonly BackendId[] = ['local', 'offload'];

/** Checks the `command.arguments[0]` the server put on an inline completion item. */
export function isCompletionItemData(value: unknown): value is CompletionItemData {
  if (typeof value !== 'object' || value === null) return false;
  const data = value as Record<string, unknown>;
  return (
    typeof data.requestId === 'string' &&
    data.requestId.length > 0 &&
    typeof data.backend === 'string' &&
    BACKENDS.includes(data.backend as BackendId) &&
    typeof data.insertTextLength === 'number' &&
    Number.isInteger(data.insertTextLength) &&
    data.insertTextLength >= 0 &&
    (data.offset === undefined || (typeof data.offset === 'number' && Number.isInteger(data.offset) && data.offset >= 0))
  );
}

/** VS Code passes either a number or `{ acceptedLength }` depending on its version. */
export function acceptedLengthOf(info: unknown): number | undefined {
  if (typeof info === 'number') return info;
  if (typeof info === 'object' && info !== null) {
    const length = (info as { acceptedLength?: unknown }).acceptedLength;
    if (typeof length === 'number') return length;
  }
  return undefined;
}
