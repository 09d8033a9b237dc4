/**
 * Every message exchanged between the extension host and Tandem's two webviews, as typed
 * unions, plus guards for what the webviews send back. The webview scripts (media/*.js) mirror
 * these types in JSDoc; keep both in step.
 *
 * The host never posts before the webview said `ready`, and on every `ready` it posts the full
 * current state, so a reloaded webview recovers without a replay log.
 *
 * The host sends view models that are already formatted (strings, chart geometry): the webview
 * scripts only build DOM from them, which keeps the logic in tested TypeScript.
 */
import type { BackendId } from '../../server/src/protocol';

// ---- shared ---------------------------------------------------------------------------------

/** Sent by either webview once its script has loaded and can receive data. */
export interface ReadyMessage {
  type: 'ready';
}

// ---- performance panel ----------------------------------------------------------------------

export interface BackendColumn {
  backend: BackendId;
  model: string;
  /** False when the snapshot had no row for this backend (shown greyed out). */
  used: boolean;
}

/** One metric across all backend columns; `values[i]` belongs to `columns[i]`. */
export interface StatRow {
  label: string;
  values: string[];
}

export interface RecentRowView {
  id: string;
  time: string;
  task: string;
  language: string;
  backend: string;
  model: string;
  decision: string;
  cache: string;
  ttft: string;
  e2e: string;
  rate: string;
  outcome: string;
  /** Error class or fallback reason; empty when neither. */
  note: string;
  /** CSS modifier for the row: an error, a fallback, or nothing special. */
  tone: 'error' | 'fallback' | 'normal';
}

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text for the point. */
  label: string;
}

export interface ChartSeries {
  backend: BackendId;
  /** SVG polyline `points` attribute joining the E2E points in request order. */
  line: string;
  e2e: ChartPoint[];
  ttft: ChartPoint[];
}

export interface ChartTick {
  /** Position along the axis, in chart pixels. */
  at: number;
  label: string;
}

export interface LatencyChartView {
  width: number;
  height: number;
  /** The plotting area inside the axes. */
  plot: { left: number; top: number; right: number; bottom: number };
  yTicks: ChartTick[];
  series: ChartSeries[];
  /** How many requests the chart shows; 0 means "nothing to draw yet". */
  requestCount: number;
}

export interface PanelView {
  generatedAt: string;
  columns: BackendColumn[];
  stats: StatRow[];
  cacheSummary: string;
  /** Shadow mode's comparison, one sentence per backend asked in the shadow; empty when off. */
  shadowSummary: string[];
  recent: RecentRowView[];
  chart: LatencyChartView;
}

export interface StatusSummaryView {
  /** One line, e.g. "Policy auto · local ready · offload breaker open". */
  headline: string;
  tone: 'ok' | 'warning' | 'error';
}

export type PanelHostMessage =
  | { type: 'panel/snapshot'; view: PanelView }
  | { type: 'panel/status'; status: StatusSummaryView }
  /** The server cannot answer (down or failed); the table keeps its last data. */
  | { type: 'panel/unavailable'; message: string };

export type PanelWebviewMessage = ReadyMessage | { type: 'panel/refresh' };

// ---- explain view ---------------------------------------------------------------------------

export interface ExplainBadge {
  backend: BackendId;
  model: string;
  ttft: string;
  total: string;
  /** e.g. "cache l1"; empty when the answer was generated. */
  cache: string;
  fallbackReason?: string;
}

export type ExplainPhase = 'streaming' | 'done' | 'error' | 'stopped';

export interface ExplainViewState {
  streamId: string;
  /** What is being explained, e.g. "parser.ts:12–30". */
  title: string;
  text: string;
  phase: ExplainPhase;
  badge?: ExplainBadge;
  /** The backend's own caveat about its answers (ExplainResult.note). */
  note?: string;
  /** One sentence for the user when phase is 'error'. */
  error?: string;
}

export type ExplainHostMessage =
  | { type: 'explain/state'; state: ExplainViewState }
  /** Appends to the text of `streamId`; `reset` discards what came before (a fallback restarted). */
  | { type: 'explain/delta'; streamId: string; delta: string; reset: boolean };

export type ExplainWebviewMessage = ReadyMessage | { type: 'explain/stop' };

// ---- the type lists, checked complete at compile time -----------------------------------------

/** Compiles only when T is never: used to prove that a list names every member of a union. */
type AssertNever<T extends never> = T;

export const PANEL_HOST_MESSAGE_TYPES = ['panel/snapshot', 'panel/status', 'panel/unavailable'] as const satisfies readonly PanelHostMessage['type'][];
export const PANEL_WEBVIEW_MESSAGE_TYPES = ['ready', 'panel/refresh'] as const satisfies readonly PanelWebviewMessage['type'][];
export const EXPLAIN_HOST_MESSAGE_TYPES = ['explain/state', 'explain/delta'] as const satisfies readonly ExplainHostMessage['type'][];
export const EXPLAIN_WEBVIEW_MESSAGE_TYPES = ['ready', 'explain/stop'] as const satisfies readonly ExplainWebviewMessage['type'][];

export type MessageListsAreComplete = [
  AssertNever<Exclude<PanelHostMessage['type'], (typeof PANEL_HOST_MESSAGE_TYPES)[number]>>,
  AssertNever<Exclude<PanelWebviewMessage['type'], (typeof PANEL_WEBVIEW_MESSAGE_TYPES)[number]>>,
  AssertNever<Exclude<ExplainHostMessage['type'], (typeof EXPLAIN_HOST_MESSAGE_TYPES)[number]>>,
  AssertNever<Exclude<ExplainWebviewMessage['type'], (typeof EXPLAIN_WEBVIEW_MESSAGE_TYPES)[number]>>,
];

// ---- guards for what webviews send (they are untrusted input to the host) --------------------

function hasType(value: unknown, types: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && types.includes(type);
}

/** Every webview message today carries only its `type`, so the type is all there is to check. */
export function isPanelWebviewMessage(value: unknown): value is PanelWebviewMessage {
  return hasType(value, PANEL_WEBVIEW_MESSAGE_TYPES);
}

export function isExplainWebviewMessage(value: unknown): value is ExplainWebviewMessage {
  return hasType(value, EXPLAIN_WEBVIEW_MESSAGE_TYPES);
}
