/**
 * Warm start from a `tandem bench` report (`tandem.routing.warmStartReport`): so that a new
 * install does not need dozens of requests before learned routing has an opinion, each bucket's
 * first estimate of a backend is seeded with what the benchmark measured for that prompt length
 * (about three requests' worth, fading with the usual half-life as real requests arrive).
 *
 * Read from the report: per backend, the latency cell with the shortest output for each prompt
 * length (completions are short) → TTFT p50 and E2E p50; and the next-line exact match through
 * the LSP path → usefulness (a line the model got exactly right is one a user would accept).
 * Only these fields are read, defensively: this is product code and must not import bench/.
 */
import type { BackendId } from '../../protocol';
import { promptBucket } from './buckets';

export interface Prior {
  ttftMs: number;
  e2eMs: number;
  useful?: number;
}

/** Prompt-length bucket (buckets.ts promptBucket) → backend → prior. */
export type Priors = Map<string, Map<BackendId, Prior>>;

const REPORT_SCHEMA = 'tandem-bench-report';

/** Throws with a reason when `json` is not a bench report with latency figures. */
export function priorsFromBenchReport(json: unknown): Priors {
  const report = json as { schema?: unknown; backends?: unknown };
  if (!report || typeof report !== 'object' || report.schema !== REPORT_SCHEMA) throw new Error(`not a ${REPORT_SCHEMA} file`);
  if (!Array.isArray(report.backends)) throw new Error('it has no backends');
  const priors: Priors = new Map();
  for (const entry of report.backends as unknown[]) {
    const backend = entry as { id?: unknown; latency?: { cells?: unknown }; quality?: { nextLine?: { exactMatch?: unknown } } };
    if (backend.id !== 'local' && backend.id !== 'offload') continue;
    const useful = finite(backend.quality?.nextLine?.exactMatch);
    const shortest = new Map<string, { outputTokens: number; prior: Prior }>();
    for (const raw of Array.isArray(backend.latency?.cells) ? (backend.latency.cells as unknown[]) : []) {
      const cell = raw as { promptTokens?: unknown; outputTokens?: unknown; ttftMs?: { p50?: unknown }; e2eMs?: { p50?: unknown } };
      const promptTokens = finite(cell.promptTokens);
      const outputTokens = finite(cell.outputTokens);
      const ttftMs = finite(cell.ttftMs?.p50);
      const e2eMs = finite(cell.e2eMs?.p50);
      if (promptTokens === undefined || outputTokens === undefined || ttftMs === undefined || e2eMs === undefined) continue;
      // buckets.ts counts characters / 4 as tokens: the same bucket for the same token count.
      const bucket = promptBucket(promptTokens * 4);
      const known = shortest.get(bucket);
      if (known && known.outputTokens <= outputTokens) continue;
      shortest.set(bucket, { outputTokens, prior: { ttftMs, e2eMs, ...(useful === undefined ? {} : { useful }) } });
    }
    for (const [bucket, { prior }] of shortest) {
      const byBackend = priors.get(bucket) ?? new Map<BackendId, Prior>();
      byBackend.set(backend.id, prior);
      priors.set(bucket, byBackend);
    }
  }
  if (priors.size === 0) throw new Error('it has no latency cells');
  return priors;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
