/**
 * The unit auto routing learns per: task, language, single- or multi-line, and prompt length.
 * Evidence from one bucket says little about another (a 4k-token Python prompt is not a short
 * TypeScript line), so estimates are kept per bucket; buckets are coarse so each fills quickly.
 */
import type { Task } from '../../protocol';

export interface BucketInput {
  task: Task;
  language: string;
  multiline: boolean;
  /** Characters of the prompt the request will send (unknown: the smallest bucket). */
  promptChars?: number;
}

/** Upper bounds of the prompt-length buckets, in estimated tokens (characters / 4). */
export const PROMPT_TOKEN_BUCKETS = [256, 1024, 4096] as const;

export function promptBucket(promptChars: number | undefined): string {
  const tokens = Math.ceil((promptChars ?? 0) / 4);
  for (const bound of PROMPT_TOKEN_BUCKETS) if (tokens <= bound) return `≤${bound}`;
  return `>${PROMPT_TOKEN_BUCKETS[PROMPT_TOKEN_BUCKETS.length - 1]}`;
}

/** e.g. "completion/python/multi-line/≤1024". */
export function bucketOf(input: BucketInput): string {
  const shape = input.task === 'explain' ? 'explain' : input.multiline ? 'multi-line' : 'single-line';
  return `${input.task}/${input.language || 'unknown'}/${shape}/${promptBucket(input.promptChars)}`;
}
