/** A complete RequestRow with plausible values; tests override only what they check. */
import type { RequestRow } from '../../server/src/protocol';

let sequence = 0;

export function requestRow(overrides: Partial<RequestRow> = {}): RequestRow {
  sequence++;
  return {
    id: `req-${sequence}`,
    ts: 1_700_000_000_000 + sequence,
    task: 'completion',
    language: 'typescript',
    policy: 'auto',
    decision: 'short single-line completion → local',
    backend: 'local',
    model: 'bundled',
    cacheTier: 'none',
    promptTokens: 100,
    completionTokens: 10,
    tokenSource: 'tokenizer',
    ttftMs: 50,
    e2eMs: 120,
    outcome: 'shown',
    acceptedChars: null,
    errorClass: null,
    fallbackReason: null,
    ...overrides,
  };
}

/** A request cancelled before routing picked a backend: no backend, model, timing or tokens. */
export function cancelledBeforeRoutingRow(overrides: Partial<RequestRow> = {}): RequestRow {
  return requestRow({
    backend: null,
    model: null,
    outcome: 'cancelled',
    ttftMs: null,
    e2eMs: null,
    promptTokens: null,
    completionTokens: null,
    ...overrides,
  });
}
