/**
 * What `tandem report --html` inlines for the panel's page script: snapshots computed by the
 * recorder (the same SQL as the live panel) for every task × backend × language filter, and the
 * rows they cover. Shared by server/src/report (writes it) and webview/panel (reads it).
 */
import type { MetricsSnapshot, RequestRow } from '../../server/src/protocol';

/** The id of the `<script type="application/json">` element holding the ReportData. */
export const REPORT_DATA_ELEMENT_ID = 'tandem-report-data';

export interface ReportData {
  /** Where the rows came from, for the page's header (a file name, not a full path). */
  source: string;
  generatedAt: number;
  /** Keyed by panelFilters.snapshotKey; '*|*|*' is the unfiltered snapshot. */
  snapshots: Record<string, MetricsSnapshot>;
  /** Every row in the window, oldest first. */
  rows: RequestRow[];
}
