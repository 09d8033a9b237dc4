/**
 * `tandem report --prometheus`: the rows of a metrics database as Prometheus text, built by the
 * live endpoint's own code (promRegistry.ts observeRow on a fresh registry), so a report of the
 * rows a server recorded prints what that server's /metrics showed for them. The one difference:
 * no memory gauges, since the report's process is not the server.
 */
import type { RequestRow } from '../protocol';
import { observeRow, TandemPromMetrics } from './promRegistry';

export async function renderPrometheus(rows: Iterable<RequestRow>): Promise<string> {
  const metrics = new TandemPromMetrics();
  for (const row of rows) observeRow(metrics, row);
  return (await metrics.exposition()).text;
}
