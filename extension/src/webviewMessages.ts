/**
 * Every message exchanged between the extension host and Tandem's two webviews, as typed
 * unions, plus guards for what the webviews send back. The explain script (media/explain.js)
 * mirrors its types in JSDoc; the performance panel's page script is TypeScript and imports its
 * types from webview/shared/panelMessages.ts.
 *
 * The host never posts before the webview said `ready`, and on every `ready` it posts the full
 * current state, so a reloaded webview recovers without a replay log.
 *
 * The host sends view models that are already formatted (strings, chart geometry): the webview
 * scripts only build DOM from them, which keeps the logic in tested TypeScript.
 */
import type { BackendId } from '../../server/src/protocol';

// ---- shared ---------------------------------------------------------------------------------

/** Sent by either webview once its script has loaded and can receive data. */
export interface ReadyMessage {
  type: 'ready';
}

// ---- performance panel ----------------------------------------------------------------------

// The panel's page script is shared with `tandem report --html`, so its messages live beside it.
export {
  isPanelWebviewMessage,
  PANEL_HOST_MESSAGE_TYPES,
  PANEL_WEBVIEW_MESSAGE_TYPES,
  type PanelData,
  type PanelHostMessage,
  type PanelWebviewMessage,
  type StatusSummaryView,
} from '../../webview/shared/panelMessages';

// ---- explain view ---------------------------------------------------------------------------

export interface ExplainBadge {
  backend: BackendId;
  model: string;
  ttft: string;
  total: string;
  /** e.g. "cache l1"; empty when the answer was generated. */
  cache: string;
  fallbackReason?: string;
}

export type ExplainPhase = 'streaming' | 'done' | 'error' | 'stopped';

export interface ExplainViewState {
  streamId: string;
  /** What is being explained, e.g. "parser.ts:12–30". */
  title: string;
  text: string;
  phase: ExplainPhase;
  badge?: ExplainBadge;
  /** The backend's own caveat about its answers (ExplainResult.note). */
  note?: string;
  /** One sentence for the user when phase is 'error'. */
  error?: string;
  /** The server's metrics row of the answer (ExplainResult.requestId): set once done, for rating it. */
  requestId?: string;
  /** The user's vote on this answer (thumbs up 1, down -1); the last click wins. */
  feedback?: ExplainRating;
}

/** 1: helpful, -1: not helpful (protocol ExplainFeedbackParams.rating). */
export type ExplainRating = 1 | -1;

export type ExplainHostMessage =
  | { type: 'explain/state'; state: ExplainViewState }
  /** Appends to the text of `streamId`; `reset` discards what came before (a fallback restarted). */
  | { type: 'explain/delta'; streamId: string; delta: string; reset: boolean };

export type ExplainWebviewMessage =
  | ReadyMessage
  | { type: 'explain/stop' }
  /** A thumbs up / down on the answer of `streamId` (ignored unless that answer is complete). */
  | { type: 'explain/feedback'; streamId: string; rating: ExplainRating };

// ---- the type lists, checked complete at compile time -----------------------------------------

/** Compiles only when T is never: used to prove that a list names every member of a union. */
type AssertNever<T extends never> = T;

export const EXPLAIN_HOST_MESSAGE_TYPES = ['explain/state', 'explain/delta'] as const satisfies readonly ExplainHostMessage['type'][];
export const EXPLAIN_WEBVIEW_MESSAGE_TYPES = [
  'ready',
  'explain/stop',
  'explain/feedback',
] as const satisfies readonly ExplainWebviewMessage['type'][];

export type MessageListsAreComplete = [
  AssertNever<Exclude<ExplainHostMessage['type'], (typeof EXPLAIN_HOST_MESSAGE_TYPES)[number]>>,
  AssertNever<Exclude<ExplainWebviewMessage['type'], (typeof EXPLAIN_WEBVIEW_MESSAGE_TYPES)[number]>>,
];

// ---- guards for what webviews send (they are untrusted input to the host) --------------------

function hasType(value: unknown, types: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && types.includes(type);
}

/** Explain messages: the type, and for feedback its stream and a rating of 1 or -1. */
export function isExplainWebviewMessage(value: unknown): value is ExplainWebviewMessage {
  if (!hasType(value, EXPLAIN_WEBVIEW_MESSAGE_TYPES)) return false;
  const message = value as { type: string; streamId?: unknown; rating?: unknown };
  if (message.type !== 'explain/feedback') return true;
  return typeof message.streamId === 'string' && (message.rating === 1 || message.rating === -1);
}
