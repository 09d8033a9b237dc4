/**
 * Multi-line suggestions end where their block ends (as Tabby, llm-ls and Copilot cut them):
 * after a block opener, at the first line that is not indented deeper than the opener's line
 * (a lone closer such as `}` or `});` at the opener's indentation is kept, it ends the block);
 * elsewhere, at the first line that dedents below the suggestion's first line, since that code
 * belongs to an enclosing block the user did not ask for.
 */
import { indentOf, previousNonBlankLine } from '../lineText';
import type { CompletionFilter } from './types';

const CLOSER_LINE = /^[)\]}]+[)\]};,]*$/;
const BLOCK_OPENER_LINE = /(?::|\{)\s*$/;

export const truncateToBlock: CompletionFilter = (text, context) => {
  if (!context.multiline || !text.includes('\n')) return text;
  const situation = context.cursor;
  const lines = text.split('\n');
  // Where the suggestion's own text starts: after a leading line break it is a fresh line.
  const startsFresh = text.startsWith('\n') || situation.kind === 'blank-line';
  const firstIndex = text.startsWith('\n') ? 1 : 0;
  const firstLine = lines[firstIndex] ?? '';
  // A blank line right below an opener is the block's first line, as after the opener itself.
  const above = situation.kind === 'blank-line' ? previousNonBlankLine(context.prefix, context.linePrefix) : '';
  const opener = situation.kind === 'after-opener' || BLOCK_OPENER_LINE.test(above);
  const openerIndent = situation.kind === 'after-opener' ? situation.indent.length : indentWidth(above);
  const scopeIndent = startsFresh
    ? indentWidth(situation.kind === 'blank-line' ? context.linePrefix + firstLine : firstLine)
    : situation.indent.length;
  for (let i = firstIndex + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const width = indentWidth(line);
    if (opener ? width > openerIndent : width >= scopeIndent) continue;
    const keepCloser = opener && width === openerIndent && CLOSER_LINE.test(line.trim());
    return trimBlankTail(lines.slice(0, keepCloser ? i + 1 : i)).join('\n');
  }
  return text;
};

function indentWidth(line: string): number {
  return indentOf(line).length;
}

function trimBlankTail(lines: string[]): string[] {
  const kept = [...lines];
  while (kept.length > 1 && (kept[kept.length - 1] ?? '').trim() === '') kept.pop();
  return kept;
}
