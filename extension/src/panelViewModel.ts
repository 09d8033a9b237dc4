/**
 * Maps a `MetricsSnapshot` to the performance panel's view: per-backend statistics with local
 * and offload side by side (one column each, always both, so the comparison never shifts),
 * the recent requests table and the latency chart.
 */
import type { BackendId, BackendStats, LatencySummary, MetricsSnapshot, RequestRow, ShadowStats } from '../../server/src/protocol';
import { formatCount, formatMs, formatPercent, formatRate, formatUsd, NO_VALUE } from './format';
import { buildLatencyChart } from './latencyChart';
import type { BackendColumn, PanelView, RecentRowView, StatRow } from './webviewMessages';

const BACKEND_ORDER: readonly BackendId[] = ['local', 'offload'];

export interface PanelViewOptions {
  /** Formats a request's timestamp; injectable because the default depends on the time zone. */
  formatTime?: (ms: number) => string;
}

export function buildPanelView(snapshot: MetricsSnapshot, options: PanelViewOptions = {}): PanelView {
  const formatTime = options.formatTime ?? defaultFormatTime;
  const stats = orderedStats(snapshot.backends);
  const columns: BackendColumn[] = stats.map(({ backend, stat }) => ({
    backend,
    model: stat?.model || NO_VALUE,
    used: stat !== undefined,
  }));
  return {
    generatedAt: formatTime(snapshot.generatedAt),
    columns,
    stats: statRows(stats.map((entry) => entry.stat)),
    cacheSummary: cacheSummary(snapshot.cache),
    shadowSummary: (snapshot.shadow ?? []).map(shadowLine),
    recent: snapshot.recent
      .slice()
      .sort((a, b) => b.ts - a.ts)
      .map((row) => recentRow(row, formatTime)),
    chart: buildLatencyChart(snapshot.recent),
  };
}

/**
 * Local columns first, then offload; a backend with no row still gets an empty column. A backend
 * that served several models (settings changed) keeps one column per model.
 */
function orderedStats(backends: readonly BackendStats[]): { backend: BackendId; stat?: BackendStats }[] {
  const out: { backend: BackendId; stat?: BackendStats }[] = [];
  for (const backend of BACKEND_ORDER) {
    const rows = backends.filter((stat) => stat.backend === backend);
    if (rows.length === 0) out.push({ backend });
    for (const stat of rows) out.push({ backend, stat });
  }
  return out;
}

type StatCell = (stat: BackendStats) => string;

const STAT_ROWS: readonly [string, StatCell][] = [
  ['Requests', (s) => formatCount(s.requests)],
  ['Cache hit rate', (s) => (s.requests > 0 ? formatPercent(s.cacheHitRate) : NO_VALUE)],
  ['TTFT p50', (s) => summaryValue(s.ttftMs, 'p50')],
  ['TTFT p95', (s) => summaryValue(s.ttftMs, 'p95')],
  ['E2E p50', (s) => summaryValue(s.e2eMs, 'p50')],
  ['E2E p95', (s) => summaryValue(s.e2eMs, 'p95')],
  ['Tokens/s (p50)', (s) => (s.tokensPerSecond.count > 0 ? formatRate(s.tokensPerSecond.p50) : NO_VALUE)],
  ['Acceptance', acceptanceText],
  ['Errors', (s) => formatCount(s.errors)],
  ['Cancelled', (s) => formatCount(s.cancelled)],
  ['Fallbacks', (s) => formatCount(s.fallbacks)],
  ['Tokens (prompt / completion)', (s) => `${formatCount(s.promptTokens)} / ${formatCount(s.completionTokens)}`],
  ['Cost', (s) => formatUsd(s.costUsd)],
];

function statRows(stats: readonly (BackendStats | undefined)[]): StatRow[] {
  return STAT_ROWS.map(([label, cell]) => ({
    label,
    values: stats.map((stat) => (stat ? cell(stat) : NO_VALUE)),
  }));
}

function summaryValue(summary: LatencySummary, key: 'p50' | 'p95'): string {
  return summary.count > 0 ? formatMs(summary[key]) : NO_VALUE;
}

/** "40% (4 of 10 shown)": the rate alone hides how little data it may rest on. */
function acceptanceText(stat: BackendStats): string {
  if (stat.shown === 0) return NO_VALUE;
  const accepted = stat.accepted + stat.partiallyAccepted;
  const partial = stat.partiallyAccepted > 0 ? `, ${formatCount(stat.partiallyAccepted)} partial` : '';
  return `${formatPercent(stat.acceptanceRate)} (${formatCount(accepted)} of ${formatCount(stat.shown)} shown${partial})`;
}

function cacheSummary(cache: MetricsSnapshot['cache']): string {
  const hits = cache.l1Hits + cache.l2Hits + cache.typingHits;
  const total = hits + cache.misses;
  if (total === 0) return 'Cache: no lookups yet.';
  return (
    `Cache: ${formatPercent(hits / total)} hits (memory ${formatCount(cache.l1Hits)}, ` +
    `disk ${formatCount(cache.l2Hits)}, typing-along ${formatCount(cache.typingHits)}, ` +
    `misses ${formatCount(cache.misses)}).`
  );
}

/**
 * One line per backend asked in shadow mode. Against accepted text the shown answer starts
 * ahead (it is what was accepted); typed text is the fairer yardstick, and both count here.
 */
function shadowLine(stats: ShadowStats): string {
  const asked =
    `Shadow: ${stats.backend} also asked on ${formatCount(stats.requests)} completions shown from ${stats.shownBackend} ` +
    `(${formatCount(stats.answered)} answered, ${formatCount(stats.cancelled)} cancelled, ${formatCount(stats.errors)} failed)`;
  if (stats.compared === 0) return `${asked}; none compared yet with what you accepted or typed.`;
  return (
    `${asked}; on the ${formatCount(stats.compared)} compared with what you accepted or typed: ` +
    `similarity ${stats.backend} ${formatPercent(stats.shadowSimilarity)} vs ${stats.shownBackend} ${formatPercent(stats.shownSimilarity)}, ` +
    `first line exact ${formatPercent(stats.shadowFirstLineMatchRate)} vs ${formatPercent(stats.shownFirstLineMatchRate)}.`
  );
}

function recentRow(row: RequestRow, formatTime: (ms: number) => string): RecentRowView {
  const note = row.errorClass ?? row.fallbackReason ?? '';
  return {
    id: row.id,
    time: formatTime(row.ts),
    task: row.task,
    language: row.language || NO_VALUE,
    backend: row.backend ?? NO_VALUE,
    model: row.model ?? NO_VALUE,
    decision: row.decision || row.policy,
    cache: row.cacheTier === 'none' ? NO_VALUE : row.cacheTier,
    ttft: formatMs(row.ttftMs),
    e2e: formatMs(row.e2eMs),
    rate: formatRate(row.tokensPerSecond),
    outcome: outcomeText(row),
    note,
    tone: row.errorClass ? 'error' : row.fallbackReason ? 'fallback' : 'normal',
  };
}

function outcomeText(row: RequestRow): string {
  if (row.outcome === 'partial' && row.acceptedChars !== null) return `partial (${row.acceptedChars} chars)`;
  return row.outcome;
}

function defaultFormatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
