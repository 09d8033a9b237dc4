/**
 * Rows for the attempts a routed request lost on the way (issue 10): an offload attempt that
 * timed out, was reset or refused before local answered is an error of the offload backend, so
 * the panel's offload column shows it. The request's own row keeps the answer (with its fallback
 * reason); each failed attempt gets a row of its own, with an id derived from the request's.
 */
import type { RequestRow } from '../protocol';
import { failedAttemptsOf, interruptedAttemptOf } from '../routing/failedAttempts';
import type { FailedAttempt } from '../routing/types';

const ROUTING_FAILED = 'routing failed';

/** One error row per failed attempt; `request` is the request's row (its id, task, language...). */
export function failedAttemptRows(request: RequestRow, attempts: readonly FailedAttempt[], decision: string): RequestRow[] {
  return attempts.map((attempt, index) => ({
    ...request,
    id: `${request.id}:attempt-${index + 1}`,
    decision: `${decision}; attempt ${index + 1} failed: ${attempt.message}`,
    backend: attempt.backend,
    model: attempt.model,
    cacheTier: 'none',
    promptTokens: null,
    completionTokens: null,
    tokenSource: null,
    ttftMs: null,
    e2eMs: attempt.ranMs,
    outcome: 'error',
    acceptedChars: null,
    errorClass: attempt.errorClass,
    fallbackReason: null,
  }));
}

/**
 * A request that failed as a whole is an error of the last backend it tried (not of no backend);
 * one cancelled while an attempt was running is a cancellation of that attempt's backend (the one
 * it was waiting on). The fields for its own row, and rows for the attempts that failed on their
 * own before that. Ended before any attempt began: no backend ("before routing").
 */
export function routingFailedRows(request: RequestRow, error: unknown): { fields: Partial<RequestRow>; attemptRows: RequestRow[] } {
  const attempts = failedAttemptsOf(error);
  const interrupted = interruptedAttemptOf(error);
  if (interrupted) {
    return {
      fields: {
        decision: `${ROUTING_FAILED}: ended while ${interrupted.backend} was answering`,
        backend: interrupted.backend,
        model: interrupted.model,
      },
      attemptRows: failedAttemptRows(request, attempts, ROUTING_FAILED),
    };
  }
  const last = attempts.at(-1);
  return {
    fields: { decision: ROUTING_FAILED, ...(last ? { backend: last.backend, model: last.model } : {}) },
    attemptRows: failedAttemptRows(request, attempts.slice(0, -1), ROUTING_FAILED),
  };
}
