/**
 * The shadow-mode comparison for the snapshot: per backend asked in the shadow, how many shadow
 * requests ran and how they ended, and, over those compared with what the user accepted or
 * typed, the mean similarity and first-line match rate of the shadow answers next to those of
 * the shown answers on the same contexts.
 */
import type { BackendId, RequestRow, ShadowStats } from '../protocol';

export function shadowStats(rows: Iterable<RequestRow>): ShadowStats[] {
  const byBackend = new Map<BackendId, Totals>();
  for (const row of rows) {
    if (row.shadowOf == null || row.backend === null) continue;
    let totals = byBackend.get(row.backend);
    if (!totals) {
      totals = emptyTotals();
      byBackend.set(row.backend, totals);
    }
    totals.requests++;
    if (row.outcome === 'answered' || row.outcome === 'empty') totals.answered++;
    if (row.outcome === 'error') totals.errors++;
    if (row.outcome === 'cancelled') totals.cancelled++;
    if (row.comparedWith == null || row.shadowSimilarity == null || row.shownSimilarity == null) continue;
    totals.compared++;
    totals.shadowSimilarity += row.shadowSimilarity;
    totals.shownSimilarity += row.shownSimilarity;
    totals.shadowFirstLineMatchRate += row.shadowFirstLineMatch ?? 0;
    totals.shownFirstLineMatchRate += row.shownFirstLineMatch ?? 0;
  }
  return [...byBackend]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([backend, totals]) => ({
      backend,
      shownBackend: backend === 'local' ? 'offload' : 'local',
      ...totals,
      shadowSimilarity: mean(totals.shadowSimilarity, totals.compared),
      shownSimilarity: mean(totals.shownSimilarity, totals.compared),
      shadowFirstLineMatchRate: mean(totals.shadowFirstLineMatchRate, totals.compared),
      shownFirstLineMatchRate: mean(totals.shownFirstLineMatchRate, totals.compared),
    }));
}

/** The snapshot's fields while counting: the four means hold sums until divided by `compared`. */
type Totals = Omit<ShadowStats, 'backend' | 'shownBackend'>;

function emptyTotals(): Totals {
  return {
    requests: 0,
    answered: 0,
    errors: 0,
    cancelled: 0,
    compared: 0,
    shadowSimilarity: 0,
    shownSimilarity: 0,
    shadowFirstLineMatchRate: 0,
    shownFirstLineMatchRate: 0,
  };
}

function mean(total: number, count: number): number {
  return count > 0 ? total / count : 0;
}
