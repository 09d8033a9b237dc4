/** What the services need from the metrics side. */
import type { MetricsSnapshot, MetricsSnapshotParams, Outcome, RequestRow } from '../protocol';
import type { UnrecordedKind } from './unrecordedRequests';

export interface RequestText {
  prompt: string;
  completion: string;
}

/** The RequestRow fields that may change after a row was recorded (outcome and quality). */
export const ROW_PATCH_FIELDS = [
  'outcome',
  'acceptedChars',
  'displayed',
  'shownChars',
  'typedChars',
  'survival30s',
  'survival120s',
  'syntaxError',
  'feedback',
  'grounding',
] as const satisfies ReadonlyArray<keyof RequestRow>;

/** A later change to a recorded row; fields left out keep their stored value. */
export type RowPatch = Partial<Pick<RequestRow, (typeof ROW_PATCH_FIELDS)[number]>>;

export interface MetricsRecorder {
  /** One row per request. `text` is stored only when `metrics.storePrompts` is on; else hashes.
   * A row without `costUsd` is priced by the recorder (metrics/cost.ts). */
  record(row: RequestRow, text?: RequestText): void;
  /** Later facts about a recorded row (outcome, display, quality). An unknown id is ignored. */
  update(id: string, patch: RowPatch): void;
  /** Later outcome of a shown completion (accepted, partial, rejected): `update` of those two fields. */
  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void;
  snapshot(params?: MetricsSnapshotParams): MetricsSnapshot;
  /** A completion request that ends without a row (unrecordedRequests.ts): counted, not
   * recorded. Optional so that recorders of tests need not count. */
  countUnrecorded?(kind: UnrecordedKind, language: string): void;
  /** Called (throttled by the caller) when rows change. */
  onDidChange(listener: () => void): () => void;
  close(): void;
}
