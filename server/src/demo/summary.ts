/** Formats a metrics snapshot as the per-backend comparison table the demo and CLI print. */
import type { BackendStats, LatencySummary, MetricsSnapshot, RequestRow } from '../protocol';

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '—');
const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : '—');
const pXX = (summary: LatencySummary, key: 'p50' | 'p95') => (summary.count > 0 ? ms(summary[key]) : '—');

export function formatSummary(snapshot: MetricsSnapshot): string {
  const rows: Array<[string, (stats: BackendStats) => string]> = [
    ['model', (s) => s.model],
    ['requests', (s) => String(s.requests)],
    ['errors / cancelled', (s) => `${s.errors} / ${s.cancelled}`],
    ['fallbacks', (s) => String(s.fallbacks)],
    ['cache hit rate', (s) => pct(s.cacheHitRate)],
    ['TTFT p50 / p95', (s) => `${pXX(s.ttftMs, 'p50')} / ${pXX(s.ttftMs, 'p95')}`],
    ['E2E p50 / p95', (s) => `${pXX(s.e2eMs, 'p50')} / ${pXX(s.e2eMs, 'p95')}`],
    ['tokens/s p50', (s) => (s.tokensPerSecond.count > 0 ? s.tokensPerSecond.p50.toFixed(1) : '—')],
    ['shown / accepted / partial', (s) => `${s.shown} / ${s.accepted} / ${s.partiallyAccepted}`],
    ['acceptance rate', (s) => pct(s.acceptanceRate)],
    ['tokens in / out', (s) => `${s.promptTokens} / ${s.completionTokens}`],
    ['cost (USD)', (s) => s.costUsd.toFixed(4)],
  ];
  const backends = snapshot.backends;
  if (backends.length === 0) return 'No requests were recorded.';
  const header = ['', ...backends.map((b) => b.backend)];
  const table = [header, ...rows.map(([label, get]) => [label, ...backends.map(get)])];
  const widths = header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
  const cache = snapshot.cache;
  lines.push('', `cache: L1 hits ${cache.l1Hits}, L2 hits ${cache.l2Hits}, typing-along hits ${cache.typingHits}, misses ${cache.misses}`);
  return lines.join('\n');
}

/**
 * Completion generations that reached the router (a backend was asked, or asked to queue):
 * completion rows that are not shadows, not served from the cache or by typing along, and not
 * refused as invalid input. Requests superseded while still debouncing never get a row, so
 * they are rightly not counted: they cost no model time.
 */
export function generationsStarted(rows: readonly RequestRow[]): number {
  return rows.filter(
    (row) => row.task === 'completion' && row.shadowOf === undefined && row.cacheTier === 'none' && row.decision !== 'invalid input',
  ).length;
}

/** "Generations started: 12 for 169 keystrokes (0.07 per keystroke)". */
export function formatGenerationsPerKeystroke(generations: number, keystrokes: number): string {
  const ratio = keystrokes > 0 ? (generations / keystrokes).toFixed(2) : '—';
  return `Generations started: ${generations} for ${keystrokes} keystrokes (${ratio} per keystroke).`;
}
