/** Metrics rows for completion and explain requests: one per request, every field set. */
import { BackendError } from '../backends/backend';
import type { Usage } from '../backends/backend';
import type { Outcome, RequestRow, RoutingPolicy, Task } from '../protocol';
import { requestTiming } from '../metrics/definitions';
import type { RoutedGeneration } from '../routing/types';
import { modelName } from './cacheKeyParts';

export function emptyRow(id: string, task: Task, language: string, policy: RoutingPolicy): RequestRow {
  return {
    id,
    ts: Date.now(),
    task,
    language,
    policy,
    decision: '',
    backend: null,
    model: null,
    cacheTier: 'none',
    promptTokens: null,
    completionTokens: null,
    tokenSource: null,
    ttftMs: null,
    e2eMs: null,
    outcome: 'empty',
    acceptedChars: null,
    errorClass: null,
    fallbackReason: null,
  };
}

/**
 * The fields a generation fills in. TPOT, ITL and the speeds come from metrics/definitions.ts
 * (the one definition); what the server measured itself and the local CPU time are copied as
 * reported, and left out when unknown.
 */
export function generationFields(routed: RoutedGeneration, task: Task): Partial<RequestRow> {
  const usage: Usage = routed.usage;
  const timing = requestTiming({
    ttftMs: routed.ttftMs,
    e2eMs: routed.e2eMs,
    promptTokens: usage.promptTokens,
    outputTokens: usage.completionTokens,
    gapsMs: routed.chunkGapsMs,
  });
  const serverPromptMs = routed.serverTimings?.promptMs;
  const serverDecodeMs = routed.serverTimings?.decodeMs;
  return {
    decision: routed.decision,
    backend: routed.backend.id,
    model: modelName(routed.backend, task),
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    tokenSource: usage.source,
    ttftMs: routed.ttftMs,
    e2eMs: routed.e2eMs,
    fallbackReason: routed.fallbackReason ?? null,
    ...timing,
    ...(finite(serverPromptMs) ? { serverPromptMs } : {}),
    ...(finite(serverDecodeMs) ? { serverDecodeMs } : {}),
    ...(finite(usage.cpuMs) ? { cpuMs: usage.cpuMs } : {}),
  };
}

/** Outcome and error class of a failed request; a timeout is an error, an abort is not. */
export function failureFields(
  error: unknown,
  state: { timedOut: boolean; aborted: boolean },
): { outcome: Outcome; errorClass: string | null } {
  if (state.timedOut) return { outcome: 'error', errorClass: 'TimeoutError' };
  if (state.aborted || (error instanceof BackendError && error.kind === 'cancelled')) {
    return { outcome: 'cancelled', errorClass: null };
  }
  return { outcome: 'error', errorClass: error instanceof Error ? error.name : 'UnknownError' };
}

function finite(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}
