/**
 * Per-backend statistics from request rows. Definitions:
 * - latency and speed summaries cover non-cached successful generations only: a cache hit says
 *   nothing about the backend's speed, and errors and cancellations have no complete timing;
 * - shown counts every completion that reached the screen, whatever happened next (its outcome
 *   moves on to accepted, partial or rejected); acceptance rate = (accepted + partial) / shown;
 * - token sums and cost count only tokens a backend processed (cache hits cost nothing);
 * - rows with no backend (failed before routing chose one) belong to no backend and are left out.
 */
import type { BackendId, BackendStats, Outcome, RequestRow } from '../protocol';
import { requestCostUsd } from './cost';
import { summarize } from './percentiles';

const GENERATED: ReadonlySet<Outcome> = new Set<Outcome>([
  'shown',
  'accepted',
  'partial',
  'rejected',
  'empty',
  'answered',
]);
const SHOWN: ReadonlySet<Outcome> = new Set<Outcome>(['shown', 'accepted', 'partial', 'rejected']);

export interface AggregateOptions {
  /** USD per million offload tokens. */
  pricePerMillionTokens: number;
}

export function aggregateByBackend(
  rows: readonly RequestRow[],
  options: AggregateOptions,
): BackendStats[] {
  const groups = new Map<BackendId, RequestRow[]>();
  for (const row of rows) {
    if (row.backend === null) continue;
    const group = groups.get(row.backend);
    if (group) group.push(row);
    else groups.set(row.backend, [row]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([backend, group]) => backendStats(backend, group, options));
}

function backendStats(
  backend: BackendId,
  rows: readonly RequestRow[],
  options: AggregateOptions,
): BackendStats {
  const count = (test: (row: RequestRow) => boolean) => rows.filter(test).length;
  const generated = rows.filter((row) => row.cacheTier === 'none' && GENERATED.has(row.outcome));
  const computed = rows.filter((row) => row.cacheTier === 'none');
  const promptTokens = sum(computed.map((row) => row.promptTokens ?? 0));
  const completionTokens = sum(computed.map((row) => row.completionTokens ?? 0));
  const cacheHits = count((row) => row.cacheTier !== 'none');
  const shown = count((row) => SHOWN.has(row.outcome));
  const accepted = count((row) => row.outcome === 'accepted');
  const partiallyAccepted = count((row) => row.outcome === 'partial');
  return {
    backend,
    model: modelsOf(rows),
    requests: rows.length,
    errors: count((row) => row.outcome === 'error'),
    cancelled: count((row) => row.outcome === 'cancelled'),
    fallbacks: count((row) => row.fallbackReason !== null),
    cacheHits,
    cacheHitRate: ratio(cacheHits, rows.length),
    ttftMs: summarize(present(generated.map((row) => row.ttftMs))),
    e2eMs: summarize(present(generated.map((row) => row.e2eMs))),
    tokensPerSecond: summarize(present(generated.map((row) => row.tokensPerSecond))),
    shown,
    accepted,
    partiallyAccepted,
    acceptanceRate: ratio(accepted + partiallyAccepted, shown),
    promptTokens,
    completionTokens,
    costUsd: requestCostUsd(backend, promptTokens, completionTokens, options.pricePerMillionTokens),
  };
}

/** One backend may have served several models over the retained period; name them all. */
function modelsOf(rows: readonly RequestRow[]): string {
  const models = new Set<string>();
  for (const row of rows) if (row.model) models.add(row.model);
  return [...models].sort().join(', ');
}

function present(values: ReadonlyArray<number | null>): number[] {
  return values.filter((value): value is number => value !== null);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
