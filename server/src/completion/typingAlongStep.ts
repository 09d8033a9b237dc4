/**
 * Typing along a returned suggestion, as one step and one observer of the completion path: a
 * shown suggestion is remembered (cache/typingAlong.ts), and a later request whose context
 * extends it by what the user typed is answered with its rest, with no model call, under the
 * suggestion's own item id and with no new row (one suggestion, not one per character); the
 * typed characters go on its row (outcomes.ts). Typed out (or only whitespace left): nothing to
 * serve, the next suggestion is asked for.
 */
import type { AnswerCache } from '../cache/types';
import type { Outcome } from '../protocol';
import type { TypingAlongStore } from './collaborators';
import type { CompletionContext } from './context';
import { inlineItem, type InlineItem } from './items';
import type { CompletionObserver, ShownCompletion } from './observers';
import type { CompletionOutcomes } from './outcomes';

export interface TypedAlong {
  requestId: string;
  items: InlineItem[];
  outcome: Outcome;
}

export class TypingAlongStep implements CompletionObserver {
  constructor(
    private readonly store: TypingAlongStore,
    private readonly outcomes: CompletionOutcomes,
    private readonly cache: Pick<AnswerCache, 'countTypingHit'>,
  ) {}

  /** The rest of a suggestion being typed along, or undefined to ask for a new one. */
  answer(uri: string, context: CompletionContext): TypedAlong | undefined {
    const { prefix, suffix, offset } = context;
    const hit = this.store.lookup(uri, { prefix, suffix, offset });
    if (!hit?.requestId || !hit.backend) return undefined;
    this.outcomes.didTypeAlong(hit.requestId, hit.typedLength);
    if (hit.text.trim() === '') return undefined;
    this.cache.countTypingHit();
    const item = inlineItem(hit.text, context.position, hit.requestId, hit.backend, hit.typedLength);
    return { requestId: hit.requestId, items: [item], outcome: 'shown' };
  }

  shown(shown: ShownCompletion): void {
    const { prefix, suffix, offset } = shown.context;
    this.store.remember(shown.uri, {
      prefix,
      suffix,
      offset,
      completion: shown.text,
      backend: shown.backend,
      model: shown.model,
      requestId: shown.requestId,
    });
  }
}
