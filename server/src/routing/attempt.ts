/**
 * One backend's generation, streamed and measured: TTFT and E2E from the moment the routed
 * request began (not from this attempt's start), so time lost to a fallback or to waiting for a
 * hedge is counted as the user felt it.
 *
 * With `limits` (deadline.ts), a watchdog aborts the attempt when no first token arrives within
 * `firstTokenMs` or the stream goes silent for `stallMs`, and the attempt fails with a
 * TimeoutError, a real failure of the backend (the caller's own deadline and cancellation arrive
 * through `signal` and are the caller's business).
 */
import { MalformedResponseError, TimeoutError, type Backend, type GenerateChunk, type GenerateRequest } from '../backends/backend';
import { linkSignals, type LinkedSignal } from '../abort';
import type { RoutedGeneration } from './types';

export interface AttemptLimits {
  firstTokenMs: number;
  stallMs: number;
}

/** A finished generation before the router adds its decision and fallback reason. */
export type Attempt = Omit<RoutedGeneration, 'decision' | 'fallbackReason' | 'hedge'>;

/** One attempt's inputs: the clock starts at `started`, the router's request start. */
export interface AttemptInput {
  backend: Backend;
  request: GenerateRequest;
  signal: AbortSignal;
  started: number;
  now: () => number;
  onText: (delta: string) => void;
  limits?: AttemptLimits;
}

export async function measureAttempt(input: AttemptInput): Promise<Attempt> {
  const watch = input.limits ? new Watchdog(input.backend.id, input.signal, input.limits) : undefined;
  try {
    const attempt = await stream(input, watch?.signal ?? input.signal, () => watch?.sawChunk());
    if (watch?.error) throw watch.error;
    return attempt;
  } catch (error) {
    // The backend saw an abort; the watchdog knows it was a timeout, not a cancellation.
    if (watch?.error) throw new TimeoutError(watch.error.message, { cause: error });
    throw error;
  } finally {
    watch?.dispose();
  }
}

/** `signal`: the caller's, or the watchdog's linked to it; `onChunk` re-arms the watchdog. */
async function stream(input: AttemptInput, signal: AbortSignal, onChunk: () => void): Promise<Attempt> {
  const { backend, request, started, now, onText } = input;
  let text = '';
  let firstTokenAt: number | undefined;
  let lastChunkAt: number | undefined;
  const chunkGapsMs: number[] = [];
  let done: Extract<GenerateChunk, { type: 'done' }> | undefined;
  let textChunks = 0;
  const chunkLimit = runawayChunkLimit(request.maxTokens);
  for await (const chunk of backend.generate(request, signal)) {
    onChunk();
    if (chunk.type === 'done') {
      done = chunk;
      continue;
    }
    if (chunk.text === '') continue;
    // Every streamed chunk carries at least one token: a server that sends far more chunks than
    // max_tokens ignores the limit and may never stop. Leaving the loop closes the stream
    // (the HTTP request is aborted); the attempt fails so the router can fall back.
    if (++textChunks > chunkLimit) {
      throw new MalformedResponseError(
        `The ${backend.id} backend kept streaming past max_tokens (${request.maxTokens}); its answer was dropped.`,
      );
    }
    const at = now();
    firstTokenAt ??= at;
    if (lastChunkAt !== undefined) chunkGapsMs.push(at - lastChunkAt);
    lastChunkAt = at;
    text += chunk.text;
    onText(chunk.text);
  }
  const finished = now();
  const usage = done?.usage ?? { promptTokens: 0, completionTokens: 0, source: 'estimate' as const };
  return {
    backend,
    text,
    usage,
    finishReason: done?.finishReason ?? 'unknown',
    ttftMs: (firstTokenAt ?? finished) - started,
    e2eMs: finished - started,
    chunkGapsMs,
    ...(done?.serverTimings ? { serverTimings: done.serverTimings } : {}),
  };
}

/** Chunks beyond which a stream is a runaway (slack for servers that split a token's text). */
export function runawayChunkLimit(maxTokens: number): number {
  return maxTokens * 2 + 16;
}

/**
 * Aborts an attempt that sends no first token, or stalls, within its limits: a timer re-armed on
 * every chunk, on a signal linked to the caller's (whose own abort passes through unchanged).
 */
class Watchdog {
  private readonly timeout = new AbortController();
  private readonly linked: LinkedSignal;
  private timer: NodeJS.Timeout | undefined;
  private chunks = 0;
  error: TimeoutError | undefined;

  constructor(
    private readonly backend: Backend['id'],
    parent: AbortSignal,
    private readonly limits: AttemptLimits,
  ) {
    this.linked = linkSignals(parent, this.timeout.signal);
    this.arm(limits.firstTokenMs, `The ${backend} backend sent no first token within ${limits.firstTokenMs} ms.`);
  }

  get signal(): AbortSignal {
    return this.linked.signal;
  }

  sawChunk(): void {
    this.chunks++;
    this.arm(
      this.limits.stallMs,
      `The ${this.backend} stream stalled: nothing for ${this.limits.stallMs} ms after ${this.chunks} chunk(s).`,
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.linked.dispose();
  }

  private arm(ms: number, message: string): void {
    clearTimeout(this.timer);
    if (this.linked.signal.aborted) return;
    this.timer = setTimeout(() => {
      // The caller's abort came first: that is the reason, not a timeout.
      if (this.linked.signal.aborted) return;
      this.error = new TimeoutError(message);
      this.timeout.abort(this.error);
    }, ms);
  }
}
