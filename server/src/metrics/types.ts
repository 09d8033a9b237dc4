/** What the services need from the metrics side. */
import type { MetricsSnapshot, MetricsSnapshotParams, Outcome, RequestRow } from '../protocol';

export interface RequestText {
  prompt: string;
  completion: string;
}

export interface MetricsRecorder {
  /** One row per request. `text` is stored only when `metrics.storePrompts` is on; else hashes. */
  record(row: RequestRow, text?: RequestText): void;
  /** Later outcome of a shown completion (accepted, partial, rejected). */
  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void;
  snapshot(params?: MetricsSnapshotParams): MetricsSnapshot;
  /** Called (throttled by the caller) when rows change. */
  onDidChange(listener: () => void): () => void;
  close(): void;
}
