/**
 * The "Auto routing" table: learned auto routing's estimates per bucket (task, language, lines,
 * prompt size) and backend, and which backend auto would pick now, from the server status
 * (ServerStatus.learned, server/src/status/learnedRoutingStatus.ts). Pure (no DOM).
 */
import type { LearnedBucketStatus, LearnedEstimateStatus } from '../../server/src/protocol';
import { formatMs, formatPercent, formatUsd } from '../shared/format';
import type { AutoRoutingView } from '../shared/panelMessages';

export const ROUTING_HEADERS = [
  'Task',
  'Language',
  'Lines',
  'Prompt',
  'Backend',
  'Evidence',
  'TTFT p50',
  'E2E p50',
  'Useful',
  'Failures',
  'Cost / request',
  'Auto picks now',
] as const;
/** Columns right-aligned as numbers. */
export const ROUTING_NUMERIC = new Set<string>(['Evidence', 'TTFT p50', 'E2E p50', 'Useful', 'Failures', 'Cost / request']);
/** Header hints (title attributes). */
export const ROUTING_HINTS: Partial<Record<(typeof ROUTING_HEADERS)[number], string>> = {
  Evidence: 'Remaining weight of recent requests (old evidence fades).',
  Useful: 'Estimated share of answers accepted or rated up; a 25% prior until verdicts arrive.',
  Failures: 'Estimated share of attempts that failed (errors and timeouts).',
  'Auto picks now': 'The backend auto would try first now for this bucket, with both backends usable (not a routing decision).',
};

export interface RoutingBucketView {
  /** Task, language, lines, prompt size. */
  bucket: string[];
  /** One per backend measured in the bucket. */
  backends: { backend: string; cells: string[]; picked: boolean }[];
  pick: string;
  /** The pick in words, as a routed row's decision says it. */
  reason: string;
}

export interface RoutingTableView {
  /** Why there is no table (auto not in use, nothing measured); absent when there are buckets. */
  message?: string;
  buckets: RoutingBucketView[];
}

export function buildRoutingTable(view: AutoRoutingView): RoutingTableView {
  const { learned, policy } = view;
  switch (learned.use) {
    case 'policy':
      return { message: `Policy is ${policy}: auto routing is not in use.`, buckets: [] };
    case 'objective-fixed':
      return {
        message: 'Objective "fixed": auto follows the fixed rule and learns nothing (set tandem.routing.objective to learn).',
        buckets: [],
      };
    case 'no-offload':
      return { message: 'No offload endpoint configured: auto routing has only the local model.', buckets: [] };
    default:
      break;
  }
  if (learned.buckets.length === 0) {
    return {
      message: `Auto has not measured anything yet (objective ${learned.objective}): its estimates appear after the first requests.`,
      buckets: [],
    };
  }
  return { buckets: learned.buckets.map(bucketView) };
}

function bucketView(bucket: LearnedBucketStatus): RoutingBucketView {
  return {
    bucket: [bucket.task, bucket.language || 'unknown', bucket.shape, bucket.promptSize],
    backends: bucket.backends.map((estimate) => ({
      backend: estimate.backend,
      cells: estimateCells(estimate),
      picked: estimate.backend === bucket.pick,
    })),
    pick: bucket.learnedPick ? bucket.pick : `${bucket.pick} (fixed rule)`,
    reason: bucket.pickReason,
  };
}

function estimateCells(estimate: LearnedEstimateStatus): string[] {
  return [
    estimate.evidence.toFixed(1),
    formatMs(estimate.ttftP50Ms),
    formatMs(estimate.e2eP50Ms),
    formatPercent(estimate.useful),
    formatPercent(estimate.failure),
    formatUsd(estimate.costUsd),
  ];
}
