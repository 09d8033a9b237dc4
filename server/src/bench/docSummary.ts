/**
 * The one-line summary a docstring or JSDoc block stands for: its first sentence (or two short
 * ones). Same rules as models/training/pairs.py `summarise`, so the references the Node
 * evaluation scores against are the ones the model was trained to write.
 */
import type { Language } from './heldout';

export interface DocPair {
  language: Language;
  file: string;
  name: string;
  /** The function or class with its docstring / JSDoc removed. */
  code: string;
  /** The reference summary. */
  summary: string;
}

export const MAX_CODE_CHARS = 2400;
const MAX_SUMMARY_CHARS = 200;
const MIN_WORDS = 3;

export function summarise(doc: string): string | undefined {
  const paragraph = doc.trim().split(/\n\s*\n/)[0] ?? '';
  let text = paragraph.split(/\s+/).filter(Boolean).join(' ');
  if (!text || text.includes('>>>') || /^[:@{]/.test(text)) return undefined;
  text = text.replace(/\{@link\s+([^}|]+)(?:\|[^}]*)?\}/g, '$1');
  const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z`'"(])/);
  let out = sentences[0] ?? '';
  const second = sentences[1];
  if (second !== undefined && out.length + second.length < MAX_SUMMARY_CHARS && out.length < 60) {
    out = `${out} ${second}`;
  }
  if (out.length > MAX_SUMMARY_CHARS) {
    const cut = out.slice(0, MAX_SUMMARY_CHARS);
    out = cut.includes(' ') ? cut.slice(0, cut.lastIndexOf(' ')) : cut;
  }
  return out.split(/\s+/).filter(Boolean).length < MIN_WORDS ? undefined : out;
}

/** Python's inspect.cleandoc: strip the first line, dedent the rest, drop blank edges. */
export function cleandoc(doc: string): string {
  const lines = doc.replace(/\t/g, '        ').split('\n');
  const rest = lines.slice(1);
  const indents = rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const margin = indents.length ? Math.min(...indents) : 0;
  const cleaned = [(lines[0] ?? '').trimStart(), ...rest.map((l) => l.slice(margin).trimEnd())];
  while (cleaned.length && !cleaned[0]?.trim()) cleaned.shift();
  while (cleaned.length && !cleaned[cleaned.length - 1]?.trim()) cleaned.pop();
  return cleaned.join('\n');
}

/** Removes `indent` leading characters from lines that start with that much whitespace. */
export function dedentBy(lines: readonly string[], indent: number): string[] {
  return lines.map((l) => (l.slice(0, indent).trim() === '' ? l.slice(indent) : l));
}
