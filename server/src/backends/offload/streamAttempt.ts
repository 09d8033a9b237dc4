/**
 * One streamed request to the offload server through the openai SDK, watched by a timer: no
 * first token within `timeoutMs`, or a silence of `timeoutMs` mid-stream, aborts the HTTP request.
 * (The caller's own deadline — completion or explain timeout — arrives through `signal`.)
 *
 * Yields text deltas as they arrive, then one `end` item with what the server reported. An answer
 * counts as complete only when the server sent a finish_reason: a stream that stops without one
 * (disconnect, proxy cut, stall) throws StreamInterruptedError and is never shown as an answer.
 * Whatever happens, the HTTP request and the timer are gone when the generator finishes.
 */
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming, CompletionCreateParamsStreaming } from 'openai/resources';
import { CancelledError, MalformedResponseError, StreamInterruptedError, type ServerTimings } from '../backend';
import { mapOffloadError } from './errorMapping';
import { readChunk, type EndpointKind } from './streamChunks';

export interface AttemptRequest {
  client: OpenAI;
  kind: EndpointKind;
  /** Absolute URL of llama.cpp's `/infill`, for kind 'infill'. */
  infillUrl?: string;
  /** The create() parameters except stream/stream_options, which this adds. */
  params: Record<string, unknown>;
  signal: AbortSignal;
  timeoutMs: number;
}

export interface AttemptEnd {
  finishReason: string;
  usage?: { promptTokens: number; completionTokens: number };
  timings?: ServerTimings;
}

export type AttemptItem = { type: 'text'; text: string } | { type: 'end'; end: AttemptEnd };

/** Sentinel thrown when the SDK ends the iteration quietly because our controller aborted it. */
class AbortedQuietly extends Error {}

export async function* streamAttempt(request: AttemptRequest): AsyncGenerator<AttemptItem> {
  const { signal, timeoutMs } = request;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  let text = '';
  const end: Partial<AttemptEnd> = {};
  try {
    if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
    arm();
    const stream = await create(request, controller.signal);
    for await (const chunk of stream) {
      arm();
      const parts = readChunk(chunk, request.kind);
      if (parts.finishReason) end.finishReason = parts.finishReason;
      if (parts.usage) end.usage = parts.usage;
      if (parts.timings) end.timings = parts.timings;
      if (parts.text) {
        text += parts.text;
        yield { type: 'text', text: parts.text };
      }
    }
    // The SDK ends an aborted stream without throwing; find out why it ended.
    if (controller.signal.aborted) throw new AbortedQuietly('aborted');
    if (end.finishReason === undefined) {
      if (text) throw new StreamInterruptedError('The offload stream ended before the answer was complete.', text);
      throw new MalformedResponseError('The offload stream ended without any answer.');
    }
    yield { type: 'end', end: end as AttemptEnd };
  } catch (error) {
    throw mapOffloadError(error, { cancelled: signal.aborted, timedOut, timeoutMs, partialText: text, started: text !== '' });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // Ends the HTTP request if the consumer stopped early or anything failed; a no-op otherwise.
    controller.abort();
  }
}

async function create(request: AttemptRequest, signal: AbortSignal): Promise<AsyncIterable<unknown>> {
  // Our timer is the real deadline; the SDK's (connect to headers) only backs it up.
  const options = { signal, maxRetries: 0, timeout: request.timeoutMs + 1000 };
  if (request.kind === 'infill') {
    // Not an OpenAI route: posted through the same client (same fetch, headers, API key and
    // error classes); its SSE events are llama.cpp's native ones, without a closing [DONE].
    if (!request.infillUrl) throw new Error('An infill request needs the server URL.');
    return request.client.post<AsyncIterable<unknown>>(request.infillUrl, {
      body: { ...request.params, stream: true },
      stream: true,
      ...options,
    });
  }
  const streaming = { stream: true as const, stream_options: { include_usage: true } };
  if (request.kind === 'completion') {
    const params = { ...request.params, ...streaming } as unknown as CompletionCreateParamsStreaming;
    return request.client.completions.create(params, options);
  }
  const params = { ...request.params, ...streaming } as unknown as ChatCompletionCreateParamsStreaming;
  return request.client.chat.completions.create(params, options);
}
