/**
 * The performance panel's statistics table as text: one column per backend (local and offload,
 * always both so the comparison never shifts; the models it served under its name), rows grouped
 * by task. Pure (no DOM): the page renders it, tests read it.
 *
 * Latency, speed and quality are shown per task only: completions and explanations differ by an
 * order of magnitude, and pooling them is what made the old per-backend numbers mislead.
 */
import type { BackendId, BackendStats, LatencySummary, MetricsSnapshot, ShadowStats, Task } from '../../server/src/protocol';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate, formatUsd, NO_VALUE } from '../shared/format';

export const BACKEND_ORDER: readonly BackendId[] = ['local', 'offload'];

export interface StatsColumn {
  backend: BackendId;
  /** Every model the backend served in the window, or NO_VALUE. */
  model: string;
  /** False when the window has no request for this backend (shown greyed out). */
  used: boolean;
}

export interface StatsRow {
  label: string;
  /** `values[i]` belongs to `columns[i]`. */
  values: string[];
  /** A short explanation of the definition, for the row's tooltip. */
  hint?: string;
}

export interface StatsGroup {
  task: Task | 'all';
  title: string;
  rows: StatsRow[];
}

export interface StatsTable {
  columns: StatsColumn[];
  groups: StatsGroup[];
  /** Sentences under the table: cache tiers, requests before routing, memory, shadow mode. */
  notes: string[];
  /** True when the window holds no request at all (the page shows its empty state). */
  empty: boolean;
}

type Cell = (stat: BackendStats, context: CellContext) => string;

interface CellContext {
  /** "shown" when the editor reports displays, else "returned" (snapshot.showEvents). */
  shownWord: 'shown' | 'returned';
}

interface MetricRow {
  label: string | ((context: CellContext) => string);
  cell: Cell;
  hint?: string;
}

const REQUESTS: MetricRow = { label: 'Requests', cell: (s) => formatCount(s.requests) };
const CACHE: MetricRow = {
  label: 'Cache hit rate',
  cell: cacheCell,
  hint: 'Requests answered from a cache, of all requests; by tier: memory (L1), disk (L2), typing-along.',
};
const LATENCY: MetricRow[] = [
  { label: 'TTFT p50 · p95 · p99', cell: (s) => triple(s.ttftMs, formatMs), hint: 'Time to first token, generated (not cached) answers.' },
  {
    label: 'TPOT p50 · p95 · p99',
    cell: (s) => triple(s.tpotMs, formatMs),
    hint: 'Time per output token after the first: (E2E − TTFT) / (output tokens − 1).',
  },
  {
    label: 'ITL p50 · p95 · p99',
    cell: (s) => triple(s.itlMs, formatMs),
    hint: "Inter-token latency: over each request's mean gap between streamed chunks.",
  },
  { label: 'E2E p50 · p95 · p99', cell: (s) => triple(s.e2eMs, formatMs), hint: 'Request start to last token.' },
  { label: 'Decode speed p50 · mean', cell: (s) => pair(s.decodeTokensPerSecond, formatRate), hint: '(output tokens − 1) / (E2E − TTFT).' },
  {
    label: 'Prompt speed p50 · mean',
    cell: (s) => pair(s.promptTokensPerSecond, formatRate),
    hint: 'Prompt tokens / TTFT (prefill, queueing and network included).',
  },
  CACHE,
];
const FAILURES: MetricRow[] = [
  { label: 'Errors', cell: (s) => countAndRate(s.errors, s.requests) },
  {
    label: 'Timeouts',
    cell: (s) => countAndRate(s.timeouts, s.requests),
    hint: 'Errors that were deadlines or stalled streams (also counted in Errors).',
  },
  {
    label: 'Fallbacks',
    cell: (s) => countAndRate(s.fallbacks, s.requests),
    hint: 'Answered by this backend after the backend routed to failed (counted where it was answered).',
  },
  {
    label: 'Cancelled',
    cell: (s) => countAndRate(s.cancelled, s.requests),
    hint: 'Superseded while waiting on this backend; see "before routing" below the table.',
  },
];
const TOKENS: MetricRow = {
  label: 'Tokens prompt / completion',
  cell: (s) => `${formatCount(s.promptTokens)} / ${formatCount(s.completionTokens)}`,
};
const COMPLETION_QUALITY: MetricRow[] = [
  {
    label: (c) => `Acceptance (of ${c.shownWord})`,
    cell: acceptanceText,
    hint: '(accepted + partially accepted) / shown; "returned" when the editor does not report displays.',
  },
  {
    label: 'Typed out · rejected',
    cell: (s) => `${formatCount(s.typedOut)} · ${formatCount(s.rejected)}`,
    hint: 'Typed out: the user typed the whole suggestion without accepting it.',
  },
  { label: 'Char acceptance', cell: charAcceptanceText, hint: 'Accepted characters / characters offered.' },
  {
    label: 'Survival 30 s',
    cell: (s) => meanText(s.survival30s, 'measured'),
    hint: 'Edit similarity of accepted text to what stands there 30 s later.',
  },
  { label: 'Survival 120 s', cell: (s) => meanText(s.survival120s, 'measured') },
  { label: 'Syntax validity', cell: syntaxText, hint: 'Accepted completions whose insertion added no tree-sitter error node.' },
];
const EXPLAIN_QUALITY: MetricRow[] = [
  {
    label: 'Feedback up · down',
    cell: (s) => (s.feedbackUp + s.feedbackDown > 0 ? `${formatCount(s.feedbackUp)} · ${formatCount(s.feedbackDown)}` : NO_VALUE),
  },
  {
    label: 'Grounding',
    cell: (s) => meanText(s.grounding, 'scored'),
    hint: 'Share of the identifiers an explanation names that occur in the selection.',
  },
];
const COST_TOTAL: MetricRow = { label: 'Cost', cell: (s) => formatUsd(s.costUsd) };
const COST_PER_1K_CHARS: MetricRow = {
  label: 'Cost per 1k accepted chars',
  cell: (s) => (s.acceptedChars > 0 ? formatUsd(s.costPer1kAcceptedChars) : NO_VALUE),
};

const GROUP_ROWS: Record<Task | 'all', MetricRow[]> = {
  all: [REQUESTS, ...FAILURES, CACHE, COST_TOTAL, { label: 'Cost per 1k requests', cell: per1k }, COST_PER_1K_CHARS],
  completion: [
    REQUESTS,
    ...LATENCY,
    ...COMPLETION_QUALITY,
    ...FAILURES,
    TOKENS,
    COST_TOTAL,
    { label: 'Cost per 1k completions', cell: per1k },
    COST_PER_1K_CHARS,
  ],
  explain: [REQUESTS, ...LATENCY, ...EXPLAIN_QUALITY, ...FAILURES, TOKENS, COST_TOTAL, { label: 'Cost per 1k explanations', cell: per1k }],
};

const GROUP_TITLES: Record<Task | 'all', string> = { all: 'All tasks', completion: 'Completions', explain: 'Explanations' };

export function buildStatsTable(snapshot: MetricsSnapshot): StatsTable {
  const context: CellContext = { shownWord: snapshot.showEvents ? 'shown' : 'returned' };
  const overall = BACKEND_ORDER.map((backend) => snapshot.backends.find((stat) => stat.backend === backend));
  const columns: StatsColumn[] = BACKEND_ORDER.map((backend, index) => {
    const stat = overall[index];
    return { backend, model: stat?.model || NO_VALUE, used: stat !== undefined && stat.requests > 0 };
  });

  const groups: StatsGroup[] = [];
  // With a task filter the "all tasks" group would repeat that task's group.
  if (!snapshot.filters.task) groups.push(group('all', overall, context));
  for (const task of ['completion', 'explain'] as const) {
    if (snapshot.filters.task && snapshot.filters.task !== task) continue;
    const stats = BACKEND_ORDER.map((backend) => snapshot.byTask.find((stat) => stat.backend === backend && stat.task === task));
    if (!snapshot.filters.task && stats.every((stat) => !stat || stat.requests === 0)) continue;
    groups.push(group(task, stats, context));
  }
  const requests = snapshot.backends.reduce((sum, stat) => sum + stat.requests, 0) + snapshot.beforeRouting.requests;
  return { columns, groups, notes: notes(snapshot), empty: requests === 0 };
}

function group(task: Task | 'all', stats: readonly (BackendStats | undefined)[], context: CellContext): StatsGroup {
  return {
    task,
    title: GROUP_TITLES[task],
    rows: GROUP_ROWS[task].map((metric) => ({
      label: typeof metric.label === 'function' ? metric.label(context) : metric.label,
      values: stats.map((stat) => (stat && stat.requests > 0 ? metric.cell(stat, context) : NO_VALUE)),
      ...(metric.hint ? { hint: metric.hint } : {}),
    })),
  };
}

function triple(summary: LatencySummary, format: (value: number) => string): string {
  if (summary.count === 0) return NO_VALUE;
  return `${format(summary.p50)} · ${format(summary.p95)} · ${format(summary.p99)}`;
}

function pair(summary: LatencySummary, format: (value: number) => string): string {
  if (summary.count === 0) return NO_VALUE;
  return `${format(summary.p50)} · ${format(summary.mean)}`;
}

function countAndRate(count: number, requests: number): string {
  if (requests === 0) return NO_VALUE;
  return count === 0 ? '0' : `${formatCount(count)} (${formatPercent(count / requests)})`;
}

/** "40% (4 of 10 shown, 1 partial)": the rate alone hides how little data it may rest on. */
function acceptanceText(stat: BackendStats, context: CellContext): string {
  const offered = context.shownWord === 'shown' ? stat.shown : stat.returned;
  if (offered === 0) return NO_VALUE;
  const accepted = stat.accepted + stat.partiallyAccepted;
  const partial = stat.partiallyAccepted > 0 ? `, ${formatCount(stat.partiallyAccepted)} partial` : '';
  return `${formatPercent(stat.acceptanceRate)} (${formatCount(accepted)} of ${formatCount(offered)} ${context.shownWord}${partial})`;
}

function charAcceptanceText(stat: BackendStats): string {
  if (stat.shownChars === 0) return NO_VALUE;
  return `${formatPercent(stat.charAcceptanceRate)} (${formatCount(stat.acceptedChars)} of ${formatCount(stat.shownChars)} chars)`;
}

function meanText(value: { count: number; mean: number }, word: string): string {
  return value.count === 0 ? NO_VALUE : `${formatPercent(value.mean)} (${formatCount(value.count)} ${word})`;
}

function syntaxText(stat: BackendStats): string {
  if (stat.syntaxChecked === 0) return NO_VALUE;
  const valid = 1 - stat.syntaxErrors / stat.syntaxChecked;
  return `${formatPercent(valid)} valid (${formatCount(stat.syntaxErrors)} of ${formatCount(stat.syntaxChecked)} broke the parse)`;
}

/** The hit rate, then the hits by tier that answered when there are any. */
function cacheCell(stat: BackendStats): string {
  const tiers = stat.cacheHitsByTier;
  const named = tiers
    ? [
        ['memory', tiers.l1],
        ['disk', tiers.l2],
        ['typing', tiers.typing],
      ]
        .filter(([, count]) => (count as number) > 0)
        .map(([tier, count]) => `${tier} ${formatCount(count as number)}`)
    : [];
  const count = formatCount(stat.cacheHits);
  return `${formatPercent(stat.cacheHitRate)} (${named.length > 0 ? `${count}: ${named.join(', ')}` : count})`;
}

function per1k(stat: BackendStats): string {
  return formatUsd(stat.costPer1kRequests);
}

function notes(snapshot: MetricsSnapshot): string[] {
  const lines: string[] = [];
  const before = snapshot.beforeRouting;
  if (before.requests > 0) {
    lines.push(
      `Before routing: ${formatCount(before.requests)} requests ended before a backend was chosen ` +
        `(${formatCount(before.cancelled)} cancelled, ${formatCount(before.errors)} errors).`,
    );
  }
  // Process counters, not rows (server/src/metrics/unrecordedRequests.ts); absent from older servers.
  if ((before.superseded ?? 0) > 0) {
    lines.push(
      `Superseded: ${formatCount(before.superseded)} completion requests since the server started were replaced by a newer ` +
        'keystroke while waiting out the debounce (no work was done for them, no row kept).',
    );
  }
  if ((before.excluded ?? 0) > 0) {
    lines.push(
      `Excluded: ${formatCount(before.excluded)} completion requests since the server started were in excluded files or disabled languages (nothing read or sent).`,
    );
  }
  const cache = cacheLine(snapshot.cache);
  if (cache) lines.push(cache);
  if (snapshot.memory) {
    const memory = snapshot.memory;
    lines.push(
      `Server memory: ${formatBytes(memory.rssBytes)} resident, ${formatBytes(memory.heapUsedBytes)} JavaScript heap, ` +
        `${formatBytes(memory.externalBytes)} external buffers (the resident figure includes the local model's worker thread).`,
    );
    for (const model of memory.models ?? []) {
      lines.push(
        `Model memory, measured at load: ${model.model} (${model.backend}) added ${formatBytes(model.rssAfterBytes - model.rssBeforeBytes)} resident ` +
          `and ${formatBytes(model.externalAfterBytes - model.externalBeforeBytes)} external (${formatBytes(model.rssBeforeBytes)} → ${formatBytes(model.rssAfterBytes)} resident).`,
      );
    }
  }
  for (const shadow of snapshot.shadow ?? []) lines.push(shadowLine(shadow));
  return lines;
}

/** Per cache tier, since the server started (the counters are the process's, not the window's). */
function cacheLine(cache: MetricsSnapshot['cache']): string | undefined {
  const hits = cache.l1Hits + cache.l2Hits + cache.typingHits;
  const total = hits + cache.misses;
  if (total === 0) return undefined;
  const share = (count: number): string => `${formatCount(count)} (${formatPercent(count / total)})`;
  return (
    `Cache lookups since the server started: ${formatPercent(hits / total)} hits — memory ${share(cache.l1Hits)}, ` +
    `disk ${share(cache.l2Hits)}, typing-along ${share(cache.typingHits)}; misses ${formatCount(cache.misses)}.`
  );
}

/**
 * One line per backend asked in shadow mode. Against accepted text the shown answer starts
 * ahead (it is what was accepted); typed text is the fairer yardstick, and both count here.
 */
export function shadowLine(stats: ShadowStats): string {
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
