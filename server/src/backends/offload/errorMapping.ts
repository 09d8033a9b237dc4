/**
 * Turns whatever the openai SDK, the HTTP client or the stream parser threw into one of the
 * backend error classes, so the router can decide (fall back, count for the breaker, retry) and
 * the metrics record says what really happened.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import {
  BackendError,
  CancelledError,
  HttpError,
  MalformedResponseError,
  RateLimitedError,
  StreamInterruptedError,
  TimeoutError,
  UnavailableError,
} from '../backend';
import { redact } from '../../redact';
import { retryAfterMs } from './retry';

/** Enough for any real error message; an HTML error page or a header dump is cut here. */
const SERVER_TEXT_MAX_CHARS = 300;

/** The model is still loading (503 "Loading model"): not a failure of the server, just not ready yet. */
export class WarmingUpError extends UnavailableError {}

/**
 * The prompt did not fit the server's context window (llama.cpp HTTP 400
 * `exceed_context_size_error`, whose body carries the window `n_ctx` and the prompt's real token
 * count `n_prompt_tokens`). The backend trims the prompt to that window and tries once more.
 */
export class ContextOverflowError extends HttpError {
  constructor(
    message: string,
    readonly contextTokens: number | undefined,
    readonly promptTokens: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, 400, options);
  }
}

export interface FailureContext {
  /** The caller's signal aborted. */
  cancelled: boolean;
  /** Our own watchdog fired: no first token in time, or the stream went silent. */
  timedOut: boolean;
  timeoutMs: number;
  /** Text already streamed to the caller in this attempt. */
  partialText: string;
  /** Whether any text was streamed: from then on a failure interrupts an answer. */
  started: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

export function mapOffloadError(error: unknown, context: FailureContext): BackendError {
  if (context.cancelled) {
    return error instanceof CancelledError ? error : new CancelledError(undefined, { cause: error });
  }
  if (context.timedOut) {
    if (context.started) {
      const stall = new TimeoutError(`No data from the offload server for ${context.timeoutMs} ms.`, { cause: error });
      return new StreamInterruptedError('The offload stream stalled before it finished.', context.partialText, { cause: stall });
    }
    return new TimeoutError(`The offload server sent no first token within ${context.timeoutMs} ms.`, { cause: error });
  }
  if (error instanceof BackendError) return error;
  if (error instanceof APIUserAbortError) return new CancelledError('The offload request was aborted.', { cause: error });
  if (error instanceof APIConnectionTimeoutError) return new TimeoutError('The offload request timed out.', { cause: error });
  if (error instanceof APIConnectionError) return connectionFailure(error.cause ?? error, context);
  if (error instanceof APIError) return apiFailure(error, context);
  if (error instanceof SyntaxError) {
    return new MalformedResponseError(`The offload server sent a stream event that is not JSON (${error.message}).`, { cause: error });
  }
  if (errorCode(error) !== undefined) return connectionFailure(error, context);
  if (error instanceof OpenAIError) {
    return new MalformedResponseError(`The offload server's answer could not be read: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return context.started
    ? new StreamInterruptedError(`The offload stream broke: ${message}`, context.partialText, { cause: error })
    : new UnavailableError(`The offload request failed: ${message}`, { cause: error });
}

/**
 * Whether a failure before the first token is worth another try. A loading model is not: it
 * takes minutes, so the request fails fast (the router falls back) and re-probing brings it back.
 */
export function isRetryable(error: BackendError): boolean {
  if (error instanceof WarmingUpError) return false;
  if (error instanceof HttpError) return error.status >= 500;
  return error.kind === 'unavailable' || error.kind === 'rate-limited';
}

function connectionFailure(cause: unknown, context: FailureContext): BackendError {
  const code = errorCode(cause);
  const what = code ?? (cause instanceof Error ? cause.message : String(cause));
  if (context.started) {
    return new StreamInterruptedError(`The offload connection broke mid-stream (${what}).`, context.partialText, { cause });
  }
  const message = code === 'ECONNREFUSED' ? 'Nothing is listening at the offload URL' : 'Cannot reach the offload server';
  return new UnavailableError(`${message} (${what}).`, { cause });
}

function apiFailure(error: APIError, context: FailureContext): BackendError {
  const status = error.status;
  const detail = serverMessage(error);
  if (status === undefined) {
    // An `error` event inside the stream: the server gave up generating.
    return context.started
      ? new StreamInterruptedError(`The offload server failed mid-stream: ${detail}`, context.partialText, { cause: error })
      : new HttpError(`The offload server failed: ${detail}`, 500, { cause: error });
  }
  if (status === 429) {
    return new RateLimitedError(`The offload server is rate limiting: ${detail}`, retryAfterMs(error.headers), { cause: error });
  }
  const overflow = contextOverflow(error.error);
  if (status === 400 && overflow) {
    return new ContextOverflowError(`The prompt is longer than the offload server's context: ${detail}`, overflow.nCtx, overflow.nPrompt, {
      cause: error,
    });
  }
  if (status === 503 && /load/i.test(detail)) {
    return new WarmingUpError(`The offload model is still loading: ${detail}`, { cause: error });
  }
  return new HttpError(`The offload server answered HTTP ${status}: ${detail}`, status, { cause: error });
}

/** The server's own words, redacted and clipped at the source: an error body may echo our headers. */
function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return redact(body && typeof body.message === 'string' ? body.message : error.message, SERVER_TEXT_MAX_CHARS);
}

/**
 * llama.cpp's `exceed_context_size_error` (the `error` object of its JSON body), read
 * defensively; undefined for any other error.
 */
export function contextOverflow(error: unknown): { nCtx?: number; nPrompt?: number } | undefined {
  const body = error as { type?: unknown; n_ctx?: unknown; n_prompt_tokens?: unknown } | null | undefined;
  if (typeof body !== 'object' || body === null || body.type !== 'exceed_context_size_error') return undefined;
  const count = (value: unknown): number | undefined => (typeof value === 'number' && value > 0 ? value : undefined);
  return { nCtx: count(body.n_ctx), nPrompt: count(body.n_prompt_tokens) };
}

/** The first Node error code found along the `cause` chain. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
