/** Metrics rows for completion and explain requests: one per request, every field set. */
import { BackendError } from '../backends/backend';
import type { Usage } from '../backends/backend';
import type { Outcome, RequestRow, RoutingPolicy, Task } from '../protocol';
import type { RoutedGeneration } from '../routing/types';
import { modelName } from './request';

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
    tokensPerSecond: null,
    outcome: 'empty',
    acceptedChars: null,
    errorClass: null,
    fallbackReason: null,
  };
}

/** The fields a generation fills in. Tokens/s is output tokens over E2E, per request. */
export function generationFields(routed: RoutedGeneration, task: Task): Partial<RequestRow> {
  const usage: Usage = routed.usage;
  return {
    decision: routed.decision,
    backend: routed.backend.id,
    model: modelName(routed.backend, task),
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    tokenSource: usage.source,
    ttftMs: routed.ttftMs,
    e2eMs: routed.e2eMs,
    tokensPerSecond: routed.e2eMs > 0 && usage.completionTokens > 0 ? usage.completionTokens / (routed.e2eMs / 1000) : null,
    fallbackReason: routed.fallbackReason ?? null,
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
