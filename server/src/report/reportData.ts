/**
 * Collects what the HTML report inlines: the recorder's snapshot for every task × backend ×
 * language filter the page offers (the same SQL as the live panel, so the figures agree), and
 * the rows of the window for the charts, the recent requests and the export.
 */
import type { BackendId, MetricsSnapshot, MetricsSnapshotParams, RequestRow, Task } from '../protocol';
import { snapshotKey } from '../../../webview/shared/panelFilters';
import type { ReportData } from '../../../webview/shared/reportData';

export interface ReportSource {
  snapshot(params: MetricsSnapshotParams): MetricsSnapshot;
  rows(params: MetricsSnapshotParams): RequestRow[];
}

const TASKS: (Task | undefined)[] = [undefined, 'completion', 'explain'];
const BACKENDS: (BackendId | undefined)[] = [undefined, 'local', 'offload'];

export function buildReportData(
  recorder: ReportSource,
  options: { source: string; window: { sinceMs: number; untilMs?: number }; now: number },
): ReportData {
  const base: MetricsSnapshotParams = { ...options.window, recent: 0 };
  const overall = forReport(recorder.snapshot(base));
  const snapshots: Record<string, MetricsSnapshot> = { [snapshotKey({})]: overall };
  const languages: (string | undefined)[] = [undefined, ...overall.languages];
  for (const task of TASKS) {
    for (const backend of BACKENDS) {
      for (const language of languages) {
        const filters = { task, backend, language };
        const key = snapshotKey(filters);
        if (key in snapshots) continue;
        snapshots[key] = forReport(recorder.snapshot({ ...base, ...definedOnly(filters) }));
      }
    }
  }
  const rows = recorder
    .rows(base)
    .filter((row) => row.shadowOf === undefined)
    .sort((a, b) => a.ts - b.ts);
  return { source: options.source, generatedAt: options.now, snapshots, rows };
}

/**
 * The report process is not the server: its memory and cache counters say nothing about the
 * server that wrote the rows, so they are left out rather than shown as the server's.
 */
function forReport(snapshot: MetricsSnapshot): MetricsSnapshot {
  const { memory: _memory, ...rest } = snapshot;
  return { ...rest, cache: { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }, recent: [] };
}

function definedOnly(filters: {
  task?: Task;
  backend?: BackendId;
  language?: string;
}): Pick<MetricsSnapshotParams, 'task' | 'backend' | 'language'> {
  const params: Pick<MetricsSnapshotParams, 'task' | 'backend' | 'language'> = {};
  if (filters.task) params.task = filters.task;
  if (filters.backend) params.backend = filters.backend;
  if (filters.language) params.language = filters.language;
  return params;
}
