/**
 * Multi-line suggestions end where their block ends (as Tabby, llm-ls and Copilot cut them):
 * after a block opener, at the first line that is not indented deeper than the opener's line
 * (a lone closer such as `}` or `});` at the opener's indentation is kept, it ends the block);
 * elsewhere, at the first line that dedents below the suggestion's first line, since that code
 * belongs to an enclosing block the user did not ask for.
 */
import { situationOf } from './cursorSemantics';
import type { CompletionFilter } from './types';

const CLOSER_LINE = /^[)\]}]+[)\]};,]*$/;

export const truncateToBlock: CompletionFilter = (text, context) => {
  if (!context.multiline || !text.includes('\n')) return text;
  const situation = situationOf(context);
  const lines = text.split('\n');
  // Where the suggestion's own text starts: after a leading line break it is a fresh line.
  const startsFresh = text.startsWith('\n') || situation.kind === 'blank-line';
  const firstIndex = text.startsWith('\n') ? 1 : 0;
  const firstLine = lines[firstIndex] ?? '';
  const opener = situation.kind === 'after-opener' || (situation.kind === 'blank-line' && afterOpener(context.prefix, context.linePrefix));
  const openerIndent = situation.kind === 'after-opener' ? situation.indent.length : previousIndent(context.prefix, context.linePrefix);
  const scopeIndent = startsFresh ? indentWidth(situation.kind === 'blank-line' ? context.linePrefix + firstLine : firstLine) : situation.indent.length;
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
  return (/^[ \t]*/.exec(line)?.[0] ?? '').length;
}

function previousLine(prefix: string, linePrefix: string): string {
  const lines = prefix.slice(0, prefix.length - linePrefix.length).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if ((lines[i] ?? '').trim() !== '') return lines[i] ?? '';
  return '';
}

function afterOpener(prefix: string, linePrefix: string): boolean {
  return /(?::|\{)\s*$/.test(previousLine(prefix, linePrefix));
}

function previousIndent(prefix: string, linePrefix: string): number {
  return indentWidth(previousLine(prefix, linePrefix));
}

function trimBlankTail(lines: string[]): string[] {
  const kept = [...lines];
  while (kept.length > 1 && (kept[kept.length - 1] ?? '').trim() === '') kept.pop();
  return kept;
}
