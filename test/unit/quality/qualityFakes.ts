/**
 * A FakeMetrics that reads a row as the recorder would store it: the recorded row with every
 * `update` patch applied in order. Not a test file itself.
 */
import type { RequestRow } from '../../../server/src/protocol';
import { FakeMetrics } from '../serviceFakes';

export class PatchingMetrics extends FakeMetrics {
  /** The row `id` with every patch applied in order. */
  row(id: string): RequestRow | undefined {
    const row = this.rows.find((r) => r.id === id);
    if (!row) return undefined;
    return this.patches.filter((p) => p.id === id).reduce<RequestRow>((current, { patch }) => ({ ...current, ...patch }), row);
  }
}
