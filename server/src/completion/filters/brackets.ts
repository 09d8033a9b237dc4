/**
 * Unbalanced brackets. A completion that closes a bracket the context never opened (or the
 * wrong kind) is wrong code: dropped. A single-line completion that leaves its own brackets
 * open, unless the rest of the line closes them or it ends by opening a block, was cut off
 * mid-expression: trimmed back to the last point where its own brackets were balanced.
 */
import { scanBrackets, type BracketEvent } from './bracketScan';
import type { CompletionFilter } from './types';

export const balanceBrackets: CompletionFilter = (text, context) => {
  const start = context.prefix.length;
  const end = start + text.length;
  // Single-line: the rest of the line is scanned too, since it may close what we open.
  const after = context.multiline ? '' : context.lineSuffix;
  const scan = scanBrackets(context.prefix + text + after, {
    languageId: context.languageId,
    outerUnknown: context.prefixTruncated,
  });
  const ours = (event: BracketEvent) => event.index >= start && event.index < end;
  if (scan.events.some((event) => ours(event) && event.problem)) return '';
  if (context.multiline) return text;

  const ownOpen = scan.unclosed.filter(ours);
  const first = ownOpen[0];
  if (!first || /[([{]$/.test(text.trimEnd())) return text;
  return text.slice(0, first.index - start).trimEnd();
};
