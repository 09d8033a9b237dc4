/**
 * Every custom LSP message Tandem speaks, and the types shared by server and extension.
 * The extension and the panel's page script import this file; it must stay free of runtime
 * dependencies. The typed message objects both sides send and handle with are in
 * protocolMessages.ts (they need the JSON-RPC library, which the page must not bundle).
 *
 * Completions use the standard LSP 3.18 `textDocument/inlineCompletion`; everything else is
 * `tandem/<area>/<verb>`.
 */

export type BackendId = 'local' | 'offload';
export type RoutingPolicy = 'local' | 'offload' | 'auto';
export type Task = 'completion' | 'explain';
export type CacheTier = 'l1' | 'l2' | 'typing' | 'none';
export type TokenCountSource = 'server' | 'tokenizer' | 'estimate';
export type Outcome = 'shown' | 'accepted' | 'partial' | 'rejected' | 'empty' | 'error' | 'cancelled' | 'answered';

export const Methods = {
  /** request: ExplainParams → ExplainResult; deltas arrive as `explainDidStream` notifications. */
  explain: 'tandem/explain',
  /** server → client notification: ExplainStreamParams. */
  explainDidStream: 'tandem/explain/didStream',
  /** client → server notification: CompletionEventParams. */
  completionDidShow: 'tandem/completion/didShow',
  /** client → server notification: CompletionAcceptParams. */
  completionDidAccept: 'tandem/completion/didAccept',
  /** client → server notification: CompletionEventParams (shown, then dismissed or typed over). */
  completionDidReject: 'tandem/completion/didReject',
  /** request: MetricsSnapshotParams → MetricsSnapshot. */
  metricsSnapshot: 'tandem/metrics/snapshot',
  /** server → client notification, throttled (at most once a second): MetricsDidChangeParams. A
   * signal only: a client that shows metrics fetches them with `metricsSnapshot` and its own filters. */
  metricsDidChange: 'tandem/metrics/didChange',
  /** server → client notification: ServerStatus (backend health, model loading, breaker). */
  statusDidChange: 'tandem/status/didChange',
  /** request: void → ServerStatus. */
  status: 'tandem/status',
  /** client → server: ExplainFeedbackParams → null (thumbs up / down in the explain view); as a request,
   * bad params answer InvalidParams; also accepted as a notification. An unknown requestId is ignored. */
  explainFeedback: 'tandem/explain/feedback',
  /** request: MetricsResetParams → MetricsResetResult (the panel's reset, after confirmation). */
  metricsReset: 'tandem/metrics/reset',
  /** request: MetricsRowsParams → RequestRow[] (every row in the window, oldest first, for CSV/JSON
   * export; with `limit`, only the newest that many: the panel's charts). */
  metricsRows: 'tandem/metrics/rows',
} as const;

export interface ExplainFeedbackParams {
  /** ExplainResult.requestId. */
  requestId: string;
  /** 1: helpful, -1: not helpful. */
  rating: 1 | -1;
}

/** `tandem/metrics/didChange`: rows were recorded or updated. Carries no statistics, so the server
 * computes no snapshot that no view asked for. */
export interface MetricsDidChangeParams {
  /** Server clock (ms since the epoch) when the notification was sent. */
  generatedAt: number;
  /** Rows recorded or updated (and resets) since the previous notification. */
  changes: number;
}

export interface MetricsResetParams {
  /** Must be true: a reset deletes every stored request row. */
  confirm: true;
}

export interface MetricsResetResult {
  /** How many request rows the reset deleted. */
  deleted: number;
}

/** Sent by the client in `initializationOptions`. */
export interface InitializationOptions {
  /** Partial settings, same shape as TandemConfig (see server/src/config.ts). */
  settings?: unknown;
  /** Where the server may keep its SQLite files (VS Code's globalStorageUri). */
  storagePath?: string;
  /** The client sends `completionDidShow` when the editor displays an item (VS Code: the
   * inlineCompletionsAdditions hooks are available). Without it, "shown" means "returned". */
  reportsShownCompletions?: boolean;
  // No API key here: the server reads it from OFFLOAD_API_KEY_ENV in its environment, so a
  // verbose LSP trace (which prints these options) never shows it.
}

/** The server process's environment variable that holds the offload API key (set by the client). */
export const OFFLOAD_API_KEY_ENV = 'TANDEM_OFFLOAD_API_KEY';

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export interface ExplainParams {
  textDocument: { uri: string };
  range: Range;
  /** Client-chosen id that tags the `explainDidStream` notifications of this request. */
  streamId: string;
}

export interface ExplainStreamParams {
  streamId: string;
  delta: string;
  /** True when a fallback restarted the answer on the other backend: discard what came before. */
  reset?: boolean;
}

export interface ExplainResult {
  /** The metrics row's id, for ExplainFeedbackParams. */
  requestId: string;
  text: string;
  backend: BackendId;
  model: string;
  ttftMs: number;
  e2eMs: number;
  cacheTier: CacheTier;
  /** Why the routed backend was not the one that answered, when that happened. */
  fallbackReason?: string;
  /** Honest note on what this backend can do (the bundled local model writes one-line summaries). */
  note?: string;
}

/** Carried in each inline completion item's `command.arguments[0]`. */
export interface CompletionItemData {
  /** The item's id, sent back in show/accept/reject: the request's id, or `<request id>#2`, `#3`
   * for the other candidates of an explicit trigger (completion/items.ts candidateItemId). */
  requestId: string;
  backend: BackendId;
  insertTextLength: number;
  /** Characters of the suggestion before this item's text: what the user had typed along it
   * when the server answered with its rest under the same id (absent: 0). */
  offset?: number;
}

export interface CompletionEventParams {
  requestId: string;
}

export interface CompletionAcceptParams {
  requestId: string;
  /** Characters accepted, counted from the start of the suggestion (the item's `offset` plus what
   * VS Code reports); less than the suggestion's length for a partial (word/line) accept. */
  acceptedLength: number;
}

export interface MetricsSnapshotParams {
  /** Only requests at or after this (ms since epoch); default: the snapshot window (see
   * metrics/window.ts), never more than the retained rows. */
  sinceMs?: number;
  /** Only requests before this (ms since epoch); default: now. */
  untilMs?: number;
  task?: Task;
  language?: string;
  backend?: BackendId;
  /** How many recent request rows to include; default 50. */
  recent?: number;
}

/** `tandem/metrics/rows`: the snapshot's window and filters (its `recent` is ignored). */
export interface MetricsRowsParams extends MetricsSnapshotParams {
  /** Only the newest `limit` rows (the server reads newest first and stops), still returned
   * oldest first; a whole number ≥ 0. Default: every row (exports). */
  limit?: number;
}

/** A compact summary of one request's inter-token gaps (every gap between streamed chunks). */
export interface GapSummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Statistics of one group of rows: one backend and one task ('all': both tasks together).
 * This is only the shape: the aggregate definitions (counts, rates, percentiles over the rows)
 * are the SQL in metrics/aggregateSql.ts; the per-request timings they summarize (TPOT, ITL,
 * decode and prompt speed) are computed by metrics/definitions.ts.
 */
export interface BackendStats {
  backend: BackendId;
  task: Task | 'all';
  /** Every model the backend served in the window, comma-separated. */
  model: string;
  requests: number;
  errors: number;
  /** Errors that were timeouts (a deadline or a stalled backend); also counted in `errors`. */
  timeouts: number;
  cancelled: number;
  fallbacks: number;
  cacheHits: number;
  /** cacheHits by the tier that answered (the rows' cacheTier): l1 memory, l2 disk, typing along. */
  cacheHitsByTier: { l1: number; l2: number; typing: number };
  cacheHitRate: number;
  /** Latency and speed of non-cached generations (definitions.ts). */
  ttftMs: LatencySummary;
  tpotMs: LatencySummary;
  /** Over every request's mean inter-token gap. */
  itlMs: LatencySummary;
  e2eMs: LatencySummary;
  decodeTokensPerSecond: LatencySummary;
  promptTokensPerSecond: LatencySummary;
  /** Returned to the editor with text. */
  returned: number;
  /** Reported displayed by the editor (0 when the editor does not report it: see `showEvents`). */
  shown: number;
  accepted: number;
  partiallyAccepted: number;
  /** Typed out by the user in full without accepting. */
  typedOut: number;
  rejected: number;
  /** (accepted + partially accepted) / shown (or / returned when the editor reports no shows). */
  acceptanceRate: number;
  /** Characters: accepted / offered, over the rows with an offered length. */
  shownChars: number;
  acceptedChars: number;
  typedChars: number;
  charAcceptanceRate: number;
  /** Means of survival over the accepted rows measured so far (count says how many). */
  survival30s: { count: number; mean: number };
  survival120s: { count: number; mean: number };
  /** Accepted completions checked with tree-sitter, and how many added a syntax error. */
  syntaxChecked: number;
  syntaxErrors: number;
  /** Explanations rated up / down, and the mean grounding of those scored. */
  feedbackUp: number;
  feedbackDown: number;
  grounding: { count: number; mean: number };
  promptTokens: number;
  completionTokens: number;
  /** Sum of the rows' stored cost (metrics/cost.ts), USD. */
  costUsd: number;
  /** costUsd per 1,000 requests of the group, and per 1,000 accepted characters (0 when none). */
  costPer1kRequests: number;
  costPer1kAcceptedChars: number;
}

/** Requests that ended before routing chose a backend (debounce, privacy, cancelled early). */
export interface BeforeRoutingStats {
  requests: number;
  cancelled: number;
  errors: number;
  /**
   * Completion requests the editor replaced with a newer one while they waited out the debounce:
   * no work was done for them (no prompt, no backend, no cache lookup) and no row is written,
   * so this is a counter of this server process's lifetime, not of the window. Counted per
   * language; 0 under a backend filter or task 'explain'.
   */
  superseded: number;
  /** Completion requests in files excluded from completion (or of a disabled language): nothing
   * was read or sent and no row written. One count of this process's lifetime, never by file or
   * language (the language filter does not apply); 0 under a backend filter or task 'explain'. */
  excluded: number;
}

export interface RequestRow {
  id: string;
  ts: number;
  task: Task;
  language: string;
  policy: RoutingPolicy;
  decision: string;
  backend: BackendId | null;
  model: string | null;
  cacheTier: CacheTier;
  promptTokens: number | null;
  completionTokens: number | null;
  tokenSource: TokenCountSource | null;
  ttftMs: number | null;
  e2eMs: number | null;
  outcome: Outcome;
  acceptedChars: number | null;
  errorClass: string | null;
  fallbackReason: string | null;
  /*
   * Timing derived per request by metrics/definitions.ts (vLLM's benchmark definitions); absent
   * when the request generated nothing (cache hit, error, cancellation) or it is undefined (TPOT
   * and decode speed need two output tokens, prompt speed a prompt token count).
   */
  /** (E2E − TTFT) / (output tokens − 1), ms. */
  tpotMs?: number;
  /** (output tokens − 1) / (E2E − TTFT), tokens/s. */
  decodeTokensPerSecond?: number;
  /** prompt tokens / TTFT, tokens/s. */
  promptTokensPerSecond?: number;
  /** Every gap between streamed chunks, kept as a summary (definitions.ts summarizeGaps). */
  itl?: GapSummary;
  /** What the server itself measured, when it says (llama.cpp's `timings`). */
  serverPromptMs?: number;
  serverDecodeMs?: number;
  /** CPU time the process spent while the local model generated this answer, ms. */
  cpuMs?: number;
  /** What the request cost under `costBasis` (metrics/cost.ts); 0 for cache hits. */
  costUsd?: number;
  /** The prices the cost was computed with, so reports agree with the panel (CostBasis as JSON). */
  costBasis?: string;
  /*
   * Quality, filled in after the answer was returned (completion/quality/*).
   */
  /** 1 once the editor reported it displayed the item; absent while unknown (no show event). */
  displayed?: number;
  /** Characters of the suggestion as returned (the candidate that was displayed, for several). */
  shownChars?: number;
  /** Characters of the suggestion the user typed out themselves instead of accepting. */
  typedChars?: number;
  /** Edit similarity (0..1) of the accepted text to what stands at its place 30 s / 120 s later. */
  survival30s?: number;
  survival120s?: number;
  /** Accepted completions: 1 when applying it added a syntax error node (tree-sitter), else 0. */
  syntaxError?: number;
  /** Explanations: the user's thumbs up (1) or down (-1). */
  feedback?: number;
  /** Explanations: share of the identifiers the explanation names that occur in the selection. */
  grounding?: number;
  /**
   * Shadow rows only (`routing.shadowRate`): the id of the shown completion this request
   * shadowed. Its answer was never shown; the fields below compare it with the shown one.
   */
  shadowOf?: string;
  /** Shadow rows: what both answers were compared with, once the user accepted or typed. */
  comparedWith?: 'accepted' | 'typed';
  /** Shadow rows: edit similarity (0..1) of the shadow answer to what the user accepted or typed. */
  shadowSimilarity?: number;
  /** Shadow rows: the same for the answer that was shown, on the same context. */
  shownSimilarity?: number;
  /** Shadow rows: 1 when the shadow answer's first line matched the user's, else 0. */
  shadowFirstLineMatch?: number;
  /** Shadow rows: 1 when the shown answer's first line matched the user's, else 0. */
  shownFirstLineMatch?: number;
  /** Completion rows that built a prompt: what went into it (completion/crossFile/trace.ts). */
  promptTrace?: PromptTrace;
}

/**
 * What one completion prompt was made of. Sizes and sources always; a source's `text` only
 * when `tandem.metrics.storePrompts` is on (the recorder drops it otherwise).
 */
export interface PromptTrace {
  /** The backend the prompt was built for. */
  backend: BackendId;
  /** Characters of the whole prompt: template sentinels and a suffix sent beside it included. */
  promptChars: number;
  /** Snippets from other files: their budget and use, in tokens. */
  crossFileBudgetTokens: number;
  crossFileTokens: number;
  /** 'tokenizer': counted by the model's own tokenizer; 'estimate': characters / 3. */
  crossFileTokenSource: 'tokenizer' | 'estimate';
  sources: PromptTraceSource[];
}

export interface PromptTraceSource {
  /** As written in the prompt's header comment (relative to the completed document's folder). */
  path: string;
  /** Zero-based, inclusive. */
  startLine: number;
  endLine: number;
  tokens: number;
  /** 'import': the definition of an imported symbol; 'similar': ranked by identifier similarity. */
  kind: 'import' | 'similar';
  /** Jaccard similarity to the lines above the cursor (1 for import definitions). */
  score: number;
  text?: string;
}

/**
 * Shadow mode's comparison, per backend asked in the shadow: on the same contexts, how close
 * its unseen answers and the shown answers (from the other backend) came to what the user
 * accepted or typed.
 */
export interface ShadowStats {
  /** The backend asked in the shadow. */
  backend: BackendId;
  /** The backend whose answers were shown. */
  shownBackend: BackendId;
  requests: number;
  /** Finished (including empty answers). */
  answered: number;
  errors: number;
  /** Mostly superseded: the user typed on before the shadow finished. */
  cancelled: number;
  /** Answered shadows whose shown completion got a verdict (accepted or typed) to compare with. */
  compared: number;
  /** Means over the compared rows, 0..1 (0 when none were compared). */
  shadowSimilarity: number;
  shownSimilarity: number;
  shadowFirstLineMatchRate: number;
  shownFirstLineMatchRate: number;
}

export interface MetricsSnapshot {
  generatedAt: number;
  /** The rows the statistics cover: [sinceMs, untilMs) after the params' filters. */
  window: { sinceMs: number; untilMs: number };
  /** The filters applied (the params' task, language and backend). */
  filters: { task?: Task; language?: string; backend?: BackendId };
  /** Per backend, both tasks together (task 'all'). */
  backends: BackendStats[];
  /** Per backend and task. */
  byTask: BackendStats[];
  beforeRouting: BeforeRoutingStats;
  /** Languages seen in the window, for the panel's filter. */
  languages: string[];
  /** True when the editor reports which completions it displayed (else "shown" = returned). */
  showEvents: boolean;
  /** This server process's memory, bytes. */
  memory?: { rssBytes: number; heapUsedBytes: number; externalBytes: number; models?: ModelMemory[] };
  cache: { l1Hits: number; l2Hits: number; typingHits: number; misses: number };
  recent: RequestRow[];
  /** Present when shadow mode recorded anything in the window. */
  shadow?: ShadowStats[];
}

/**
 * A local model's memory as measured at load: this process's RSS and external (native, e.g.
 * ONNX Runtime) memory just before the model worker loaded it and just after. The worker is a
 * thread of this process, so the difference is the model's cost as the OS counts it; later
 * growth (KV caches, sessions) is not in it.
 */
export interface ModelMemory {
  backend: BackendId;
  /** The model's name as the backend reports it. */
  model: string;
  measuredAt: 'load';
  rssBeforeBytes: number;
  rssAfterBytes: number;
  externalBeforeBytes: number;
  externalAfterBytes: number;
}

export type BackendState = 'ready' | 'loading' | 'warming-up' | 'degraded' | 'down' | 'disabled';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BackendStatus {
  backend: BackendId;
  state: BackendState;
  model: string;
  breaker: BreakerState;
  detail?: string;
  /** 0..1 while a model loads. */
  progress?: number;
}

export interface ServerStatus {
  policy: RoutingPolicy;
  backends: BackendStatus[];
  lastLatencyMs?: number;
  lastBackend?: BackendId;
  lastFallbackReason?: string;
  /** Learned auto routing's estimates per bucket and what it would pick now (the panel's "Auto
   * routing" table); absent from servers that predate it. */
  learned?: LearnedRoutingStatus;
}

export interface LearnedRoutingStatus {
  /**
   * Whether `auto` routes by these estimates now: 'on', or why not: the policy is local or
   * offload, the objective is 'fixed' (the fixed rule only), or there is no offload endpoint
   * to choose. Buckets are listed only while 'on'.
   */
  use: 'on' | 'policy' | 'objective-fixed' | 'no-offload';
  /** `tandem.routing.objective`. */
  objective: string;
  /** The buckets with the most evidence first, at most a few dozen (the status is sent often). */
  buckets: LearnedBucketStatus[];
}

/** One bucket of routing/learned/buckets.ts, e.g. completion / python / multi-line / ≤1024. */
export interface LearnedBucketStatus {
  bucket: string;
  task: Task;
  language: string;
  /** 'single-line', 'multi-line' or 'explain'. */
  shape: string;
  /** Estimated prompt tokens, e.g. "≤1024". */
  promptSize: string;
  /** The backend auto would try first now for a request of this bucket, with both backends
   * usable (health is in `backends`); a peek: it is no routing decision and explores nothing. */
  pick: BackendId;
  /** In words, as a routed row's decision says it. */
  pickReason: string;
  /** False when the fixed rule decides (its backend not measured recently in this bucket). */
  learnedPick: boolean;
  backends: LearnedEstimateStatus[];
}

export interface LearnedEstimateStatus {
  backend: BackendId;
  /** Remaining weight of the latency evidence (about: recent requests). */
  evidence: number;
  ttftP50Ms?: number;
  e2eP50Ms?: number;
  /** Estimated share of answers that were useful (accepted, rated up), 0..1; a prior before verdicts. */
  useful: number;
  /** Estimated share of attempts that failed, 0..1. */
  failure: number;
  /** Mean cost of a request, USD. */
  costUsd: number;
}
