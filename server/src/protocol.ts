/**
 * Every custom LSP message Tandem speaks, and the types shared by server and extension.
 * The extension imports this file; it must stay free of runtime dependencies.
 *
 * Completions use the standard LSP 3.18 `textDocument/inlineCompletion`; everything else is
 * `tandem/<area>/<verb>`.
 */

export type BackendId = 'local' | 'offload';
export type RoutingPolicy = 'local' | 'offload' | 'auto';
export type Task = 'completion' | 'explain';
export type CacheTier = 'l1' | 'l2' | 'typing' | 'none';
export type TokenCountSource = 'server' | 'tokenizer' | 'estimate';
export type Outcome =
  | 'shown'
  | 'accepted'
  | 'partial'
  | 'rejected'
  | 'empty'
  | 'error'
  | 'cancelled'
  | 'answered';

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
  /** server → client notification, throttled: MetricsSnapshot. */
  metricsDidChange: 'tandem/metrics/didChange',
  /** server → client notification: ServerStatus (backend health, model loading, breaker). */
  statusDidChange: 'tandem/status/didChange',
  /** request: void → ServerStatus. */
  status: 'tandem/status',
} as const;

/** Sent by the client in `initializationOptions`. */
export interface InitializationOptions {
  /** Partial settings, same shape as TandemConfig (see server/src/config.ts). */
  settings?: unknown;
  /** Where the server may keep its SQLite files (VS Code's globalStorageUri). */
  storagePath?: string;
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
}

export interface CompletionEventParams {
  requestId: string;
}

export interface CompletionAcceptParams {
  requestId: string;
  /** Characters accepted; less than the item's length for a partial (word/line) accept. */
  acceptedLength: number;
}

export interface MetricsSnapshotParams {
  /** Only requests newer than this (ms since epoch); default: all retained. */
  sinceMs?: number;
  /** How many recent request rows to include; default 50. */
  recent?: number;
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

export interface BackendStats {
  backend: BackendId;
  model: string;
  requests: number;
  errors: number;
  cancelled: number;
  fallbacks: number;
  cacheHits: number;
  cacheHitRate: number;
  ttftMs: LatencySummary;
  e2eMs: LatencySummary;
  tokensPerSecond: LatencySummary;
  shown: number;
  accepted: number;
  partiallyAccepted: number;
  acceptanceRate: number;
  promptTokens: number;
  completionTokens: number;
  /** Estimated cost in USD (offload: per-token price setting; local: energy estimate). */
  costUsd: number;
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
  tokensPerSecond: number | null;
  outcome: Outcome;
  acceptedChars: number | null;
  errorClass: string | null;
  fallbackReason: string | null;
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
  backends: BackendStats[];
  cache: { l1Hits: number; l2Hits: number; typingHits: number; misses: number };
  recent: RequestRow[];
  /** Present when shadow mode recorded anything in the window. */
  shadow?: ShadowStats[];
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
}
