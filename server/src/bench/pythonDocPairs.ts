/**
 * (code, docstring summary) pairs from Python source, without a Python parser: `def` / `class`
 * headers are found by regex, blocks end at the first line indented no deeper than the header
 * (lines inside triple-quoted strings do not count), and the docstring is the first statement
 * of the body when it is a string literal. Mirrors models/training/pairs.py `python_pairs`.
 */
import { MAX_CODE_CHARS, cleandoc, dedentBy, summarise, type DocPair } from './docSummary';

const HEADER = /^(\s*)(?:async\s+def|def|class)\s+([A-Za-z_]\w*)/;
const DOC_START = /^\s*[rRuU]?("""|'''|"|')/;

export function pythonDocPairs(text: string, file: string): DocPair[] {
  const lines = text.split('\n');
  const inString = tripleStringLines(lines);
  const pairs: DocPair[] = [];
  lines.forEach((line, i) => {
    const header = inString[i] ? null : HEADER.exec(line);
    if (!header) return;
    const indent = (header[1] ?? '').length;
    let start = i;
    while (start > 0 && /^\s*@/.test(lines[start - 1] ?? '') && indentOf(lines[start - 1] ?? '') === indent) start--;
    const bodyStart = signatureEnd(lines, i) + 1;
    const docLine = nextCodeLine(lines, bodyStart);
    if (docLine === undefined || indentOf(lines[docLine] ?? '') <= indent) return;
    const doc = readDocstring(lines, docLine);
    if (!doc) return;
    const end = blockEnd(lines, inString, docLine, indent);
    const body = [...lines.slice(start, docLine), ...lines.slice(doc.endLine + 1, end + 1)];
    const summary = summarise(cleandoc(doc.text));
    if (!summary || body.length < 2) return;
    const code = dedentBy(body, indent)
      .join('\n')
      .replace(/^\n+|\n+$/g, '');
    if (code.length > MAX_CODE_CHARS || code.split('\n').length < 2) return;
    pairs.push({ language: 'python', file, name: header[2] ?? '', code, summary });
  });
  return pairs;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** For each line, whether it starts inside a triple-quoted string. */
function tripleStringLines(lines: readonly string[]): boolean[] {
  const inside: boolean[] = [];
  let open: string | undefined;
  for (const line of lines) {
    inside.push(open !== undefined);
    for (const match of line.matchAll(/"""|'''/g)) {
      if (open === undefined) open = match[0];
      else if (match[0] === open) open = undefined;
    }
  }
  return inside;
}

/** Last line of a (possibly multi-line) def/class header: brackets balanced, ends with ':'. */
function signatureEnd(lines: readonly string[], from: number): number {
  let depth = 0;
  for (let i = from; i < lines.length; i++) {
    const code = (lines[i] ?? '').replace(/#.*$/, '');
    for (const c of code) {
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth--;
    }
    if (depth <= 0 && code.trimEnd().endsWith(':')) return i;
  }
  return from;
}

function nextCodeLine(lines: readonly string[], from: number): number | undefined {
  for (let i = from; i < lines.length; i++) if ((lines[i] ?? '').trim()) return i;
  return undefined;
}

function readDocstring(lines: readonly string[], at: number): { text: string; endLine: number } | undefined {
  const first = lines[at] ?? '';
  const quote = DOC_START.exec(first)?.[1];
  if (!quote) return undefined;
  const open = first.indexOf(quote);
  for (let i = at; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const close = line.indexOf(quote, i === at ? open + quote.length : 0);
    if (close >= 0) {
      const parts = lines.slice(at, i + 1);
      parts[parts.length - 1] = line.slice(0, close);
      parts[0] = (i === at ? line.slice(0, close) : first).slice(open + quote.length);
      return { text: parts.join('\n'), endLine: i };
    }
    if (quote.length === 1) return undefined; // unterminated one-line string
  }
  return undefined;
}

/** Last non-blank line of the block whose header has indentation `indent`. */
function blockEnd(lines: readonly string[], inString: readonly boolean[], from: number, indent: number): number {
  let last = from;
  for (let i = from + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.trim()) continue;
    if (!inString[i] && indentOf(line) <= indent) break;
    last = i;
  }
  return last;
}
