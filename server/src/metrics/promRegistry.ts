/**
 * Tandem's Prometheus metrics, on a prom-client Registry of their own (never prom-client's
 * global one, so two instances — the server's and a test's, or `tandem report`'s — never mix).
 *
 * One function, `observeRow`, turns a request row into samples. The live endpoint calls it as
 * rows are recorded (promLiveFeed.ts) and `tandem report --prometheus` calls it for every row of
 * a database (prometheus.ts), so both print the same numbers for the same rows. What one sample
 * is, exactly (the latency definitions are the panel's, SPEC: metrics/definitions.ts):
 * - latency histograms observe GENERATED rows answered by a backend (outcome shown, accepted,
 *   partial, rejected, empty or answered, cache tier 'none'): a cache hit says nothing about a
 *   backend's speed, and errors and cancellations have no complete timing.
 *   - tandem_time_to_first_token_seconds: the row's TTFT;
 *   - tandem_time_per_output_token_seconds: the row's TPOT, (E2E − TTFT) / (output tokens − 1),
 *     when it has one (two or more output tokens);
 *   - tandem_inter_token_latency_seconds: ONE sample per request, the mean of its inter-chunk
 *     gaps (`itl.meanMs`), when it streamed more than one chunk. The row keeps only a summary
 *     of its gaps, and one sample per request is what the panel's ITL percentiles are over;
 *   - tandem_e2e_request_latency_seconds: the row's E2E;
 * - tandem_requests_total{outcome}: every row, by the server's outcome: `returned` (returned with
 *   text: shown, accepted, partial or rejected — the editor's verdict comes later, so the live
 *   count cannot wait for it), `empty`, `answered` (explain), `error`, `cancelled`;
 * - tandem_cache_lookups_total{tier,result}: result `hit` with the tier that answered (l1, l2,
 *   typing); result `miss` (tier `none`) for a row a backend was asked for (backend set, cache
 *   tier 'none'). Rows that ended before routing looked nothing up;
 * - tandem_completions_accepted_total / _accepted_chars_total: rows accepted in full or in part,
 *   and their accepted characters (the live feed adds these when the accept arrives);
 * - tandem_prompt_tokens_total / tandem_generation_tokens_total: tokens of rows a backend
 *   processed (cache tier 'none');
 * - tandem_cost_usd_total: the cost stored with each row (metrics/cost.ts).
 * - tandem_requests_superseded_total{language}, tandem_requests_excluded_total: completion
 *   requests that end without a row (unrecordedRequests.ts), counted live by promLiveFeed.ts
 *   only; the excluded count has no labels, so it never tells which files were private.
 * Shadow rows (`shadowOf` set) are comparisons, never shown: like the panel's per-backend
 * statistics, no metric here counts them. Labels: backend, model, task, language (`none` when
 * the request never reached a backend).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome, RequestRow } from '../protocol';

export const ROW_LABELS = ['backend', 'model', 'task', 'language'] as const;
export type RowLabelName = (typeof ROW_LABELS)[number];
export type RowLabels = Record<RowLabelName, string>;

/** Outcomes that produced an answer: the latency samples (SPEC11, the panel's definition). */
const GENERATED: ReadonlySet<Outcome> = new Set<Outcome>(['shown', 'accepted', 'partial', 'rejected', 'empty', 'answered']);
const RETURNED: ReadonlySet<Outcome> = new Set<Outcome>(['shown', 'accepted', 'partial', 'rejected']);
const ACCEPTED: ReadonlySet<Outcome> = new Set<Outcome>(['accepted', 'partial']);

/**
 * TTFT and E2E, seconds: dense from 10 ms to 2 s, where completions live (vLLM's own buckets
 * jump from 0.1 to 0.25 to 0.5 s and start E2E at 0.3 s, too coarse for inline completion),
 * then a coarse tail for explanations and slow offload endpoints.
 */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 2.5, 5, 10, 20,
  40, 80,
];
/** TPOT and ITL, seconds: a GPU decodes a token in a few ms, a CPU in tens of ms. */
export const TOKEN_GAP_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5,
];

export interface ProcessMemory {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface TandemPromMetricsOptions {
  /** Read at each scrape for the memory gauges; absent (a report of a database): no gauges. */
  memory?: () => ProcessMemory;
}

/** The metric families; counters only go up for the life of the object. */
export class TandemPromMetrics {
  readonly registry = new Registry();
  readonly ttft: Histogram<RowLabelName>;
  readonly tpot: Histogram<RowLabelName>;
  readonly itl: Histogram<RowLabelName>;
  readonly e2e: Histogram<RowLabelName>;
  readonly requests: Counter<RowLabelName | 'outcome'>;
  readonly cacheLookups: Counter<RowLabelName | 'tier' | 'result'>;
  readonly acceptedCompletions: Counter<RowLabelName>;
  readonly acceptedChars: Counter<RowLabelName>;
  readonly promptTokens: Counter<RowLabelName>;
  readonly generationTokens: Counter<RowLabelName>;
  readonly costUsd: Counter<RowLabelName>;
  /** Requests without a row (metrics/unrecordedRequests.ts); live only: a report has no rows of them. */
  readonly superseded: Counter<'language'>;
  readonly excluded: Counter;

  constructor(options: TandemPromMetricsOptions = {}) {
    const registers = [this.registry];
    const labelNames = ROW_LABELS;
    const histogram = (name: string, help: string, buckets: readonly number[]) =>
      new Histogram({ name, help, labelNames, buckets: [...buckets], registers });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });
    this.ttft = histogram(
      'tandem_time_to_first_token_seconds',
      'Time to first token of generated, non-cached requests (one sample per request).',
      LATENCY_BUCKETS_S,
    );
    this.tpot = histogram(
      'tandem_time_per_output_token_seconds',
      'Time per output token after the first, (E2E - TTFT) / (output tokens - 1), of generated, non-cached requests with two or more output tokens.',
      TOKEN_GAP_BUCKETS_S,
    );
    this.itl = histogram(
      'tandem_inter_token_latency_seconds',
      'Mean gap between streamed chunks of one request: one sample per generated, non-cached request that streamed two or more chunks.',
      TOKEN_GAP_BUCKETS_S,
    );
    this.e2e = histogram(
      'tandem_e2e_request_latency_seconds',
      'End-to-end time of generated, non-cached requests (one sample per request).',
      LATENCY_BUCKETS_S,
    );
    this.requests = new Counter({
      name: 'tandem_requests_total',
      help: 'Requests by server outcome: returned (with text), empty, answered (explain), error, cancelled.',
      labelNames: [...labelNames, 'outcome'],
      registers,
    });
    this.superseded = new Counter({
      name: 'tandem_requests_superseded_total',
      help: 'Completion requests the editor replaced with a newer one during the debounce: no work was done and no row written.',
      labelNames: ['language'],
      registers,
    });
    this.excluded = new Counter({
      name: 'tandem_requests_excluded_total',
      help: 'Completion requests in files excluded from completion (or of a disabled language): nothing read or sent, no row written.',
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'tandem_cache_lookups_total',
      help: 'Answer cache results per request: hit with the tier that answered, or miss (tier none) when a backend was asked.',
      labelNames: [...labelNames, 'tier', 'result'],
      registers,
    });
    this.acceptedCompletions = counter('tandem_completions_accepted_total', 'Completions accepted in full or in part.');
    this.acceptedChars = counter('tandem_completions_accepted_chars_total', 'Characters of completions accepted (in full or in part).');
    this.promptTokens = counter('tandem_prompt_tokens_total', 'Prompt tokens processed by a backend (cache misses).');
    this.generationTokens = counter('tandem_generation_tokens_total', 'Output tokens generated by a backend (cache misses).');
    this.costUsd = counter('tandem_cost_usd_total', 'Cost of the requests in US dollars, as priced when recorded.');
    if (options.memory) registerMemoryGauges(this.registry, options.memory);
  }

  /** The exposition text (format 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

export function rowLabels(row: RequestRow): RowLabels {
  return {
    backend: row.backend ?? 'none',
    model: row.model ?? 'none',
    task: row.task,
    language: row.language || 'none',
  };
}

/** Adds one request row to every metric it belongs to (see the module comment). */
export function observeRow(metrics: TandemPromMetrics, row: RequestRow): void {
  if (row.shadowOf != null) return;
  const labels = rowLabels(row);
  metrics.requests.inc({ ...labels, outcome: outcomeLabel(row.outcome) });
  if (row.cacheTier !== 'none') {
    metrics.cacheLookups.inc({ ...labels, tier: row.cacheTier, result: 'hit' });
  } else if (row.backend !== null) {
    metrics.cacheLookups.inc({ ...labels, tier: 'none', result: 'miss' });
    addCount(metrics.promptTokens, labels, row.promptTokens);
    addCount(metrics.generationTokens, labels, row.completionTokens);
  }
  addCount(metrics.costUsd, labels, row.costUsd);
  observeAcceptance(metrics, labels, {
    newlyAccepted: ACCEPTED.has(row.outcome),
    addedChars: ACCEPTED.has(row.outcome) ? (row.acceptedChars ?? 0) : 0,
  });
  if (!GENERATED.has(row.outcome) || row.cacheTier !== 'none') return;
  observeMs(metrics.ttft, labels, row.ttftMs);
  observeMs(metrics.tpot, labels, row.tpotMs);
  observeMs(metrics.itl, labels, row.itl?.meanMs);
  observeMs(metrics.e2e, labels, row.e2eMs);
}

/** An accept of a recorded row: counted once per row, characters as they grow. */
export function observeAcceptance(
  metrics: TandemPromMetrics,
  labels: RowLabels,
  change: { newlyAccepted: boolean; addedChars: number },
): void {
  if (change.newlyAccepted) metrics.acceptedCompletions.inc(labels);
  addCount(metrics.acceptedChars, labels, change.addedChars);
}

export function outcomeLabel(outcome: Outcome): string {
  return RETURNED.has(outcome) ? 'returned' : outcome;
}

export function isAcceptedOutcome(outcome: Outcome | undefined): boolean {
  return outcome !== undefined && ACCEPTED.has(outcome);
}

function addCount(counter: Counter<RowLabelName>, labels: RowLabels, value: number | null | undefined): void {
  // Counters take only non-negative finite increments; an absent or zero value adds nothing,
  // but the labelled series still appears (at 0), so a scrape shows every backend seen.
  counter.inc(labels, value !== null && value !== undefined && Number.isFinite(value) && value > 0 ? value : 0);
}

function observeMs(histogram: Histogram<RowLabelName>, labels: RowLabels, ms: number | null | undefined): void {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return;
  histogram.observe(labels, ms / 1000);
}

function registerMemoryGauges(registry: Registry, memory: () => ProcessMemory): void {
  const gauge = (name: string, help: string, read: (usage: ProcessMemory) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(memory()));
      },
    });
  gauge(
    'tandem_process_resident_memory_bytes',
    'Resident memory of the server process (the local models included: they run in its worker thread).',
    (m) => m.rss,
  );
  gauge('tandem_process_heap_used_bytes', 'V8 heap in use by the server process.', (m) => m.heapUsed);
  gauge('tandem_process_external_memory_bytes', 'Memory outside the V8 heap held by JavaScript objects (buffers).', (m) => m.external);
}
