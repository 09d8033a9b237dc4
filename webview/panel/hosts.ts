/**
 * Where the page gets its data. In VS Code the extension host answers messages (it calls the
 * server, asks before a reset, shows the save dialog); in the `tandem report --html` file the
 * data is inlined and filtered here, export is a download and there is no reset.
 */
import { DEFAULT_FILTERS, isPanelFilters, rowMatches, snapshotKey, type PanelFilters } from '../shared/panelFilters';
import type { AutoRoutingView, PanelData, PanelHostMessage, PanelWebviewMessage, StatusSummaryView } from '../shared/panelMessages';
import { REPORT_DATA_ELEMENT_ID, type ReportData } from '../shared/reportData';
import { exportFileName, exportRows, type ExportFormat } from '../shared/rowsExport';

export interface PanelCallbacks {
  data(data: PanelData): void;
  status(status: StatusSummaryView): void;
  /** Learned auto routing from the server status; the report has none (never called there). */
  routing(view: AutoRoutingView | undefined): void;
  unavailable(message: string | undefined): void;
  notice(message: string): void;
}

export interface PanelHost {
  readonly mode: 'vscode' | 'report';
  /** The report's window is fixed when it is written: its time-range filter is hidden. */
  readonly hasTimeRange: boolean;
  readonly canReset: boolean;
  restoreFilters(): PanelFilters;
  saveFilters(filters: PanelFilters): void;
  start(callbacks: PanelCallbacks): void;
  request(filters: PanelFilters): void;
  exportRows(format: ExportFormat, filters: PanelFilters): void;
  reset(): void;
}

/** VS Code's webview API (acquireVsCodeApi()); state survives the panel being hidden or reloaded. */
export interface VscodeApi {
  postMessage(message: PanelWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface SavedState {
  filters: PanelFilters;
}

export function vscodeHost(api: VscodeApi, target: Window): PanelHost {
  return {
    mode: 'vscode',
    hasTimeRange: true,
    canReset: true,
    restoreFilters() {
      const saved = api.getState() as Partial<SavedState> | undefined;
      return saved && isPanelFilters(saved.filters) ? saved.filters : { ...DEFAULT_FILTERS };
    },
    saveFilters(filters) {
      api.setState({ filters } satisfies SavedState);
    },
    start(callbacks) {
      target.addEventListener('message', (event: MessageEvent<PanelHostMessage>) => {
        const message = event.data;
        if (!message || typeof message !== 'object') return;
        switch (message.type) {
          case 'panel/data':
            callbacks.unavailable(undefined);
            callbacks.data(message.data);
            break;
          case 'panel/status':
            callbacks.status(message.status);
            callbacks.routing(message.routing);
            break;
          case 'panel/unavailable':
            callbacks.unavailable(message.message);
            break;
          case 'panel/notice':
            callbacks.notice(message.message);
            break;
          default:
            break; // A newer or older host: ignore what this page does not know.
        }
      });
      api.postMessage({ type: 'ready' });
    },
    request(filters) {
      api.postMessage({ type: 'panel/refresh', filters });
    },
    exportRows(format, filters) {
      api.postMessage({ type: 'panel/export', format, filters });
    },
    reset() {
      api.postMessage({ type: 'panel/reset' });
    },
  };
}

/** Reads the ReportData the report inlined; undefined when the page has none. */
export function readReportData(doc: Document): ReportData | undefined {
  const element = doc.getElementById(REPORT_DATA_ELEMENT_ID);
  if (!element?.textContent) return undefined;
  return JSON.parse(element.textContent) as ReportData;
}

export function reportHost(report: ReportData, doc: Document, formatTime: (ms: number) => string): PanelHost {
  let callbacks: PanelCallbacks | undefined;
  const rowsFor = (filters: PanelFilters) => report.rows.filter((row) => rowMatches(row, filters));
  return {
    mode: 'report',
    hasTimeRange: false,
    canReset: false,
    restoreFilters: () => ({ range: 'all' }),
    saveFilters: () => undefined,
    start(registered) {
      callbacks = registered;
      registered.status({ headline: `Report of ${report.source}, written ${formatTime(report.generatedAt)}`, tone: 'ok' });
    },
    request(filters) {
      const snapshot = report.snapshots[snapshotKey(filters)];
      if (!snapshot) {
        callbacks?.unavailable('This report has no statistics for that combination of filters.');
        return;
      }
      const rows = rowsFor(filters);
      callbacks?.unavailable(undefined);
      callbacks?.data({ snapshot, rows });
    },
    exportRows(format, filters) {
      const rows = rowsFor(filters);
      const blob = new Blob([exportRows(rows, format)], { type: format === 'csv' ? 'text/csv' : 'application/json' });
      const link = doc.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = exportFileName(format, Date.now());
      doc.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 0);
      callbacks?.notice(`Exported ${rows.length} rows as ${format.toUpperCase()}.`);
    },
    reset: () => undefined,
  };
}
