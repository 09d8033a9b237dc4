/**
 * Messages between the extension host and the performance panel's page script
 * (webview/panel/main.ts). The host only fetches and forwards: the page renders everything from
 * the snapshot and the rows, the same way it does in the `tandem report --html` file.
 *
 * The host never posts before the page said `ready`; the page then asks for data with its
 * (restored) filters, so a reloaded webview recovers without a replay log.
 */
import type { LearnedRoutingStatus, MetricsSnapshot, RequestRow, RoutingPolicy } from '../../server/src/protocol';
import { isPanelFilters, type PanelFilters } from './panelFilters';
import type { ExportFormat } from './rowsExport';

export interface StatusSummaryView {
  /** One line, e.g. "Policy auto · local ready · offload breaker open". */
  headline: string;
  tone: 'ok' | 'warning' | 'error';
}

export interface PanelData {
  snapshot: MetricsSnapshot;
  /**
   * The rows the snapshot covers (charts, recent requests), oldest first; maybe only the newest
   * (see rowsLimit). Absent: the page keeps the rows it has (the host fetches the charts' rows at
   * most every few seconds while metrics keep changing; the statistics follow every change).
   */
  rows?: RequestRow[];
  /** The host asked for at most this many rows: `rows.length` equal to it means the charts show
   * only the newest of the window's requests (the snapshot counts them all). */
  rowsLimit?: number;
}

/** Learned auto routing as the server reports it (ServerStatus.learned), and the policy it needs. */
export interface AutoRoutingView {
  policy: RoutingPolicy;
  learned: LearnedRoutingStatus;
}

export type PanelHostMessage =
  | { type: 'panel/data'; data: PanelData }
  /** `routing`: absent while the server is down or when it does not report learned routing. */
  | { type: 'panel/status'; status: StatusSummaryView; routing?: AutoRoutingView }
  /** The server cannot answer (down or failed); the page keeps its last data. */
  | { type: 'panel/unavailable'; message: string }
  /** The outcome of an export or a reset, one sentence. */
  | { type: 'panel/notice'; message: string };

export type PanelWebviewMessage =
  | { type: 'ready' }
  | { type: 'panel/refresh'; filters: PanelFilters }
  | { type: 'panel/export'; format: ExportFormat; filters: PanelFilters }
  /** The host asks for confirmation (a modal warning) before it deletes anything. */
  | { type: 'panel/reset' };

export const PANEL_HOST_MESSAGE_TYPES = [
  'panel/data',
  'panel/status',
  'panel/unavailable',
  'panel/notice',
] as const satisfies readonly PanelHostMessage['type'][];
export const PANEL_WEBVIEW_MESSAGE_TYPES = [
  'ready',
  'panel/refresh',
  'panel/export',
  'panel/reset',
] as const satisfies readonly PanelWebviewMessage['type'][];

type AssertNever<T extends never> = T;
export type PanelMessageListsAreComplete = [
  AssertNever<Exclude<PanelHostMessage['type'], (typeof PANEL_HOST_MESSAGE_TYPES)[number]>>,
  AssertNever<Exclude<PanelWebviewMessage['type'], (typeof PANEL_WEBVIEW_MESSAGE_TYPES)[number]>>,
];

/** What the page sends is untrusted input to the host: check every field it carries. */
export function isPanelWebviewMessage(value: unknown): value is PanelWebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'panel/reset':
      return true;
    case 'panel/refresh':
      return isPanelFilters(message.filters);
    case 'panel/export':
      return (message.format === 'csv' || message.format === 'json') && isPanelFilters(message.filters);
    default:
      return false;
  }
}
