/**
 * One backend's generation, streamed and measured: TTFT and E2E from the moment the routed
 * request began (not from this attempt's start), so time lost to a fallback or to waiting for a
 * hedge is counted as the user felt it.
 */
import type { Backend, GenerateChunk, GenerateRequest } from '../backends/backend';
import type { RoutedGeneration } from './types';

/** A finished generation before the router adds its decision and fallback reason. */
export type Attempt = Omit<RoutedGeneration, 'decision' | 'fallbackReason' | 'hedge'>;

export async function measureAttempt(
  backend: Backend,
  request: GenerateRequest,
  signal: AbortSignal,
  started: number,
  now: () => number,
  onText: (delta: string) => void,
): Promise<Attempt> {
  let text = '';
  let firstTokenAt: number | undefined;
  let lastChunkAt: number | undefined;
  const chunkGapsMs: number[] = [];
  let done: Extract<GenerateChunk, { type: 'done' }> | undefined;
  for await (const chunk of backend.generate(request, signal)) {
    if (chunk.type === 'done') {
      done = chunk;
      continue;
    }
    if (chunk.text === '') continue;
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
