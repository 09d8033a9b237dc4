/**
 * Thumbs up / down on an explanation (`tandem/explain/feedback`): the params checked, and the
 * ids of explanations this server answered, so a rating can only land on an explain row (a
 * client cannot rate a completion row by sending its id). Ids from before a restart, or
 * evicted from the bounded memory, are unknown and the rating is ignored.
 */
import type { ExplainFeedbackParams } from '../protocol';
import { ExplainInputError } from './selection';

/** Answers a view can still rate: far more than one editor session shows. */
const REMEMBERED_ANSWERS = 1000;

/** Throws ExplainInputError (answered as InvalidParams) for anything but `{ requestId, rating: 1 | -1 }`. */
export function parseFeedbackParams(value: unknown): ExplainFeedbackParams {
  const params = (typeof value === 'object' && value !== null ? value : {}) as { requestId?: unknown; rating?: unknown };
  if (typeof params.requestId !== 'string' || params.requestId === '') {
    throw new ExplainInputError('Explain feedback needs the requestId of an explanation.');
  }
  if (params.rating !== 1 && params.rating !== -1) {
    throw new ExplainInputError('Explain feedback rating must be 1 (helpful) or -1 (not helpful).');
  }
  return { requestId: params.requestId, rating: params.rating };
}

/** The most recent answered explanation ids, oldest evicted first. */
export class AnsweredExplanations {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = REMEMBERED_ANSWERS) {}

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
