/**
 * One validator per client → server message (lsp/boundary.ts runs it before the handler): a
 * client may send anything, and a field of the wrong type must be answered with InvalidParams
 * naming it, not reach SQL or throw a TypeError deep inside a service. Each returns the typed
 * params, with the message's defaults applied.
 */
import type { InlineCompletionParams } from 'vscode-languageserver/node';
import { parseFeedbackParams } from '../explain/feedback';
import type {
  CompletionAcceptParams,
  CompletionEventParams,
  ExplainFeedbackParams,
  ExplainParams,
  MetricsResetParams,
  MetricsRowsParams,
  MetricsSnapshotParams,
  Position,
  Range,
} from '../protocol';

/** Thrown by a validator: answered as InvalidParams with this message. */
export class InvalidParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidParamsError';
  }
}

/** Turns what a client sent into the message's params, or throws InvalidParamsError. */
export type Validator<P> = (raw: unknown) => P;

export const explainParams: Validator<ExplainParams> = (raw) => {
  const params = record(raw);
  const uri = record(params.textDocument).uri;
  // Same words as a document the server does not have: to the user both mean "not open".
  if (typeof uri !== 'string' || uri === '') throw new InvalidParamsError('Explain: the document is not open in the server.');
  if (!isRange(params.range)) throw new InvalidParamsError('Explain: params need a range { start, end } of line / character positions.');
  if (params.streamId !== undefined && typeof params.streamId !== 'string')
    throw new InvalidParamsError('Explain: streamId must be a string.');
  return { textDocument: { uri }, range: params.range, streamId: params.streamId ?? '' };
};

/** Thumbs up / down: explain/feedback.ts's check (its ExplainInputError is answered as InvalidParams too). */
export const explainFeedbackParams: Validator<ExplainFeedbackParams> = parseFeedbackParams;

/** Deleting every row needs the client to say so explicitly: a stray call must not wipe them. */
export const metricsResetParams: Validator<MetricsResetParams> = (raw) => {
  if (record(raw).confirm !== true) throw new InvalidParamsError('Reset metrics: params must be { confirm: true }.');
  return { confirm: true };
};

/** Snapshot and export filters; no params: the defaults (metrics/window.ts). */
export const metricsSnapshotParams: Validator<MetricsSnapshotParams> = (raw) => {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidParamsError('Metrics: params must be an object of filters.');
  const params = raw as Record<string, unknown>;
  for (const key of ['sinceMs', 'untilMs', 'recent'] as const) {
    const value = params[key];
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new InvalidParamsError(`Metrics: ${key} must be a number.`);
    }
  }
  if (!isOptional(params.task, (v) => v === 'completion' || v === 'explain'))
    throw new InvalidParamsError('Metrics: task must be "completion" or "explain".');
  if (!isOptional(params.backend, (v) => v === 'local' || v === 'offload'))
    throw new InvalidParamsError('Metrics: backend must be "local" or "offload".');
  if (!isOptional(params.language, (v) => typeof v === 'string')) throw new InvalidParamsError('Metrics: language must be a string.');
  return params as MetricsSnapshotParams;
};

/** Export and chart rows: the snapshot's filters, and `limit` (the newest that many rows). */
export const metricsRowsParams: Validator<MetricsRowsParams> = (raw) => {
  const params: MetricsRowsParams = metricsSnapshotParams(raw);
  const limit = (params as Record<string, unknown>).limit;
  if (limit === undefined || limit === null) return params;
  if (!(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0))
    throw new InvalidParamsError('Metrics rows: limit must be a whole number ≥ 0.');
  return params;
};

/** `tandem/status` takes no params; whatever comes is ignored. */
export const noParams: Validator<undefined> = () => undefined;

export const completionEventParams: Validator<CompletionEventParams> = (raw) => {
  const { requestId } = record(raw);
  if (typeof requestId !== 'string') throw new InvalidParamsError("params need the item's requestId.");
  return { requestId };
};

export const completionAcceptParams: Validator<CompletionAcceptParams> = (raw) => {
  const { requestId } = completionEventParams(raw);
  const { acceptedLength } = record(raw);
  if (typeof acceptedLength !== 'number' || !(acceptedLength >= 0)) throw new InvalidParamsError('acceptedLength must be a number ≥ 0.');
  return { requestId, acceptedLength };
};

/** `textDocument/inlineCompletion`: the shape the handler reads; the rest is the library's. */
export const inlineCompletionParams: Validator<InlineCompletionParams> = (raw) => {
  const params = record(raw);
  if (typeof record(params.textDocument).uri !== 'string') throw new InvalidParamsError('Completion: params need textDocument.uri.');
  if (!isPosition(params.position)) throw new InvalidParamsError('Completion: params need a position { line, character }.');
  return raw as InlineCompletionParams;
};

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function isPosition(value: unknown): value is Position {
  const { line, character } = record(value);
  return typeof line === 'number' && typeof character === 'number';
}

function isRange(value: unknown): value is Range {
  const { start, end } = record(value);
  return isPosition(start) && isPosition(end);
}

function isOptional(value: unknown, valid: (value: unknown) => boolean): boolean {
  return value === undefined || value === null || valid(value);
}
