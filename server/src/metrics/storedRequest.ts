/**
 * What `record` queues for a valid row: priced (unless the caller priced it), its free-text
 * fields redacted, and the prompt and completion kept as hashes, or as text too under
 * `metrics.storePrompts`.
 */
import { sha256Hex } from '../cache/cacheKey';
import type { PromptTrace, RequestRow } from '../protocol';
import { redactOptional } from '../redact';
import { priceRow, type CostBasis } from './cost';
import type { StoredRequest } from './rowStore';
import type { RequestText } from './types';

export interface StoredRequestSettings {
  cost: CostBasis;
  storePrompts: boolean;
}

export function toStoredRequest(row: RequestRow, text: RequestText | undefined, settings: StoredRequestSettings): StoredRequest {
  const priced = row.costUsd === undefined ? { ...row, ...priceRow(row, settings.cost) } : row;
  const redacted = withRedactedText(priced);
  const keepText = settings.storePrompts && text !== undefined;
  // The trace's sources always; their text only under the same setting as the prompt's.
  const trace = redacted.promptTrace && !settings.storePrompts ? { promptTrace: withoutText(redacted.promptTrace) } : {};
  return {
    row: { ...redacted, ...trace },
    promptHash: text ? sha256Hex(text.prompt) : null,
    completionHash: text ? sha256Hex(text.completion) : null,
    prompt: keepText ? text.prompt : null,
    completion: keepText ? text.completion : null,
  };
}

/** The row's free-text fields quote endpoints and errors: redact them before they are stored. */
function withRedactedText(row: RequestRow): RequestRow {
  if (!row.errorClass && !row.fallbackReason) return row;
  return { ...row, errorClass: redactOptional(row.errorClass) ?? null, fallbackReason: redactOptional(row.fallbackReason) ?? null };
}

/** A prompt trace as stored when prompt text must not be kept: its sources without their text. */
function withoutText(trace: PromptTrace): PromptTrace {
  return { ...trace, sources: trace.sources.map(({ text: _text, ...source }) => source) };
}
