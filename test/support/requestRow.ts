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
