/**
 * The explain view's state as pure transitions: start, stream deltas, final result, failure,
 * stop, feedback. The host keeps the current state and posts it whole whenever the webview
 * (re)loads.
 */
import type { ExplainResult, ExplainStreamParams } from '../../server/src/protocol';
import { isCancellation } from './cancellation';
import { formatMs } from './format';
import { ServerNotRunningError } from './serverDown';
import type { ExplainBadge, ExplainRating, ExplainViewState } from './webviewMessages';

export function startExplainState(streamId: string, title: string): ExplainViewState {
  return { streamId, title, text: '', phase: 'streaming' };
}

/** Applies one streamed delta; deltas for another stream or after the end are ignored. */
export function applyStreamDelta(state: ExplainViewState, params: ExplainStreamParams): ExplainViewState {
  if (params.streamId !== state.streamId || state.phase !== 'streaming') return state;
  const base = params.reset ? '' : state.text;
  return { ...state, text: base + params.delta };
}

/** The result's text is authoritative: a cache hit arrives with no deltas at all. */
export function applyExplainResult(state: ExplainViewState, result: ExplainResult): ExplainViewState {
  if (state.phase === 'stopped') return state;
  const next: ExplainViewState = { ...state, text: result.text, phase: 'done', badge: explainBadge(result) };
  if (result.note) next.note = result.note;
  // A server that names no row cannot take a rating: the view then shows no thumbs.
  if (typeof result.requestId === 'string' && result.requestId) next.requestId = result.requestId;
  return next;
}

/**
 * A thumbs up / down: only on the complete answer of the same stream (a click from a page that
 * still shows an older answer must not rate the new one). Unchanged state: nothing to send.
 */
export function applyExplainFeedback(state: ExplainViewState, streamId: string, rating: ExplainRating): ExplainViewState {
  if (state.streamId !== streamId || state.phase !== 'done' || !state.requestId || state.feedback === rating) return state;
  return { ...state, feedback: rating };
}

export function applyExplainFailure(state: ExplainViewState, error: unknown): ExplainViewState {
  if (state.phase === 'stopped') return state;
  if (isCancellation(error)) return { ...state, phase: 'stopped' };
  return { ...state, phase: 'error', error: describeExplainError(error) };
}

export function applyExplainStop(state: ExplainViewState): ExplainViewState {
  return state.phase === 'streaming' ? { ...state, phase: 'stopped' } : state;
}

export function explainBadge(result: ExplainResult): ExplainBadge {
  const badge: ExplainBadge = {
    backend: result.backend,
    model: result.model,
    ttft: formatMs(result.ttftMs),
    total: formatMs(result.e2eMs),
    cache: result.cacheTier === 'none' ? '' : `cache ${result.cacheTier}`,
  };
  if (result.fallbackReason) badge.fallbackReason = result.fallbackReason;
  return badge;
}

/**
 * One sentence for the user. The server's own message (e.g. that no backend could answer, and
 * why) is kept because it names the cause; what to look at next is added here.
 */
export function describeExplainError(error: unknown): string {
  if (error instanceof ServerNotRunningError) return error.message;
  // The server refused the request as asked (an excluded file, an empty selection): its message
  // says what to change, and the log or the models have nothing to add.
  if (errorCode(error) === INVALID_PARAMS) return errorMessage(error);
  const message = errorMessage(error).trim().replace(/\.$/, '');
  const cause = message ? `: ${message}.` : ' and gave no reason.';
  return (
    `Tandem could not explain this selection${cause} ` +
    'See "Tandem: Show Log", and check the local model and the tandem.offload.url setting.'
  );
}

/** JSON-RPC InvalidParams: the server's answer for a request it will not serve as asked. */
const INVALID_PARAMS = -32602;

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return typeof error === 'string' ? error : '';
}
