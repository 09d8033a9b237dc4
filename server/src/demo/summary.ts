/**
 * Formats a metrics snapshot as the comparison table the demo and `tandem report` print: one
 * column per backend and task (metrics/definitions.ts and aggregateSql.ts define each figure).
 */
import type { BackendStats, LatencySummary, MetricsSnapshot, RequestRow } from '../protocol';

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : '—');
const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : '—');
const usd = (value: number) => (value === 0 ? '$0' : value < 0.0001 ? `$${value.toExponential(1)}` : `$${value.toFixed(4)}`);
const pair = (summary: LatencySummary) => (summary.count > 0 ? `${ms(summary.p50)} / ${ms(summary.p95)}` : '—');

export function formatSummary(snapshot: MetricsSnapshot): string {
  const rows: Array<[string, (stats: BackendStats) => string]> = [
    ['model', (s) => s.model],
    ['requests', (s) => String(s.requests)],
    ['errors / timeouts / cancelled', (s) => `${s.errors} / ${s.timeouts} / ${s.cancelled}`],
    ['fallbacks', (s) => String(s.fallbacks)],
    ['cache hit rate', (s) => pct(s.cacheHitRate)],
    ['TTFT p50 / p95', (s) => pair(s.ttftMs)],
    ['TPOT p50 / p95', (s) => pair(s.tpotMs)],
    ['E2E p50 / p95', (s) => pair(s.e2eMs)],
    ['decode tokens/s p50', (s) => (s.decodeTokensPerSecond.count > 0 ? s.decodeTokensPerSecond.p50.toFixed(1) : '—')],
    [
      snapshot.showEvents ? 'shown / accepted / partial' : 'returned / accepted / partial',
      (s) => `${s.shown} / ${s.accepted} / ${s.partiallyAccepted}`,
    ],
    ['acceptance rate', (s) => pct(s.acceptanceRate)],
    ['tokens in / out', (s) => `${s.promptTokens} / ${s.completionTokens}`],
    ['cost (USD)', (s) => usd(s.costUsd)],
    ['cost per 1k requests', (s) => usd(s.costPer1kRequests)],
  ];
  const groups = snapshot.byTask;
  if (groups.length === 0 && snapshot.beforeRouting.requests === 0) return 'No requests were recorded.';
  const header = ['', ...groups.map((group) => `${group.backend} ${group.task}`)];
  const table = [header, ...rows.map(([label, get]) => [label, ...groups.map(get)])];
  const widths = header.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const before = snapshot.beforeRouting;
  if (before.requests > 0) {
    lines.push(
      '',
      `before routing (no backend chosen): ${before.requests} requests, ${before.cancelled} cancelled, ${before.errors} errors`,
    );
  }
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
