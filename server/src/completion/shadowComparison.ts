/**
 * Shadow mode's yardstick, as pure functions: what the user wrote at the cursor of a shown
 * completion (accepted, or typed — followed across later requests for the same document), and
 * how close the shown and the shadow answers came to it.
 *
 * A reference is complete when the user accepted the whole completion or typed past its last
 * line; both answers are then compared over as many lines as the reference has. An incomplete
 * reference (a partial accept, or typing that stopped or moved elsewhere mid-line) is compared
 * with the answers' first characters of the same length, so an answer is not penalised for
 * going further than the user did.
 */
import { editSimilarity, normalizeWhitespace } from '../metrics/textMetrics';
import type { RequestRow } from '../protocol';

/** Where a completion was shown: the cursor offset and the text just before it. */
export interface Anchor {
  offset: number;
  before: string;
}

export interface Written {
  text: string;
  complete: boolean;
  source: 'accepted' | 'typed';
}

export type ComparisonFields = Pick<
  RequestRow,
  'comparedWith' | 'shadowSimilarity' | 'shownSimilarity' | 'shadowFirstLineMatch' | 'shownFirstLineMatch'
>;

/** Enough text before the cursor to tell the user still works at the same place. */
const ANCHOR_CHARS = 64;

export function anchorAt(context: { prefix: string; offset: number }): Anchor {
  return { offset: context.offset, before: context.prefix.slice(-ANCHOR_CHARS) };
}

/**
 * What the document now holds between the anchor and the cursor, as a later request's context
 * shows it; undefined when the cursor left the anchor (moved before it, or the text before it
 * changed: the user went elsewhere or deleted back over it).
 */
export function writtenSince(anchor: Anchor, context: { prefix: string; offset: number }): string | undefined {
  if (context.offset < anchor.offset) return undefined;
  const at = anchor.offset - (context.offset - context.prefix.length);
  const beforeStart = at - anchor.before.length;
  if (beforeStart < 0) return undefined;
  if (context.prefix.slice(beforeStart, at) !== anchor.before) return undefined;
  return context.prefix.slice(at);
}

/**
 * The typed text as a reference: complete once it runs past the last line of the completion
 * (cut back to that many lines), else what there is so far.
 */
export function typedReference(typed: string, shownText: string): Written {
  const horizon = shownText.split('\n').length;
  const lines = typed.split('\n');
  if (lines.length > horizon) return { text: lines.slice(0, horizon).join('\n'), complete: true, source: 'typed' };
  return { text: typed, complete: false, source: 'typed' };
}

export function acceptedReference(shownText: string, acceptedLength: number): Written {
  const text = shownText.slice(0, Math.max(0, Math.floor(acceptedLength)));
  return { text, complete: text.length >= shownText.length, source: 'accepted' };
}

/** The comparison fields of a shadow row; empty when the user wrote nothing to compare with. */
export function compareAnswers(shown: string, shadow: string, written: Written): ComparisonFields {
  if (normalizeWhitespace(written.text) === '') return {};
  const reference = written.text;
  const cut = (answer: string) =>
    written.complete ? answer.split('\n').slice(0, reference.split('\n').length).join('\n') : answer.slice(0, reference.length);
  const firstLine = (text: string) => normalizeWhitespace(text.split('\n').find((line) => line.trim() !== '') ?? '');
  const matches = (answer: string) => (firstLine(cut(answer)) === firstLine(reference) ? 1 : 0);
  return {
    comparedWith: written.source,
    shadowSimilarity: editSimilarity(cut(shadow), reference),
    shownSimilarity: editSimilarity(cut(shown), reference),
    shadowFirstLineMatch: matches(shadow),
    shownFirstLineMatch: matches(shown),
  };
}
