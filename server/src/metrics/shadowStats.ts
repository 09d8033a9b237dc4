/**
 * The shadow-mode comparison for the snapshot: per backend asked in the shadow, how many shadow
 * requests ran and how they ended, and, over those compared with what the user accepted or
 * typed, the mean similarity and first-line match rate of the shadow answers next to those of
 * the shown answers on the same contexts.
 */
import type { BackendId, RequestRow, ShadowStats } from '../protocol';

export function shadowStats(rows: Iterable<RequestRow>): ShadowStats[] {
  const byBackend = new Map<BackendId, Sums>();
  for (const row of rows) {
    if (row.shadowOf == null || row.backend === null) continue;
    let sums = byBackend.get(row.backend);
    if (!sums) {
      sums = emptySums();
      byBackend.set(row.backend, sums);
    }
    sums.requests++;
    if (row.outcome === 'answered' || row.outcome === 'empty') sums.answered++;
    if (row.outcome === 'error') sums.errors++;
    if (row.outcome === 'cancelled') sums.cancelled++;
    if (row.comparedWith == null || row.shadowSimilarity == null || row.shownSimilarity == null) continue;
    sums.compared++;
    sums.shadowSimilarity += row.shadowSimilarity;
    sums.shownSimilarity += row.shownSimilarity;
    sums.shadowFirstLine += row.shadowFirstLineMatch ?? 0;
    sums.shownFirstLine += row.shownFirstLineMatch ?? 0;
  }
  return [...byBackend]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([backend, sums]) => ({
      backend,
      shownBackend: backend === 'local' ? 'offload' : 'local',
      requests: sums.requests,
      answered: sums.answered,
      errors: sums.errors,
      cancelled: sums.cancelled,
      compared: sums.compared,
      shadowSimilarity: mean(sums.shadowSimilarity, sums.compared),
      shownSimilarity: mean(sums.shownSimilarity, sums.compared),
      shadowFirstLineMatchRate: mean(sums.shadowFirstLine, sums.compared),
      shownFirstLineMatchRate: mean(sums.shownFirstLine, sums.compared),
    }));
}

interface Sums {
  requests: number;
  answered: number;
  errors: number;
  cancelled: number;
  compared: number;
  shadowSimilarity: number;
  shownSimilarity: number;
  shadowFirstLine: number;
  shownFirstLine: number;
}

function emptySums(): Sums {
  return { requests: 0, answered: 0, errors: 0, cancelled: 0, compared: 0, shadowSimilarity: 0, shownSimilarity: 0, shadowFirstLine: 0, shownFirstLine: 0 };
}

function mean(total: number, count: number): number {
  return count > 0 ? total / count : 0;
}
