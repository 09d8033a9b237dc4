/**
 * (code, JSDoc summary) pairs from TypeScript / JavaScript: a `/** … *\/` block directly above a
 * function, class, method or assigned function, and that declaration's brace-matched body.
 * Mirrors models/training/pairs.py `js_pairs`.
 */
import type { Language } from './heldout';
import { MAX_CODE_CHARS, summarise, type DocPair } from './docSummary';

const JSDOC = /\/\*\*((?:[^*]|\*(?!\/))*)\*\/[ \t]*\n(?:[ \t]*\n)?([ \t]*)([^\n]*)/g;
const DECL = new RegExp(
  String.raw`^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?` +
    String.raw`(?:function\*?\s*(?<fn>[\w$]+)|class\s+(?<cls>[\w$]+)|(?:const|let|var)\s+(?<vr>[\w$]+)\s*=|` +
    String.raw`(?<asg>[\w$]+(?:\.[\w$]+)+)\s*=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>)|` +
    String.raw`(?:(?:public|private|protected|static|readonly|override|abstract|async|get|set)\s+)*(?<meth>[\w$#]+)\s*(?:<[^>]*>)?\()`,
);
const SKIP_WORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'new', 'typeof']);

export function jsDocPairs(text: string, file: string, language: Exclude<Language, 'python'>): DocPair[] {
  const pairs: DocPair[] = [];
  for (const match of text.matchAll(JSDOC)) {
    const [whole, doc = '', indent = '', signature = ''] = match;
    const groups = DECL.exec(signature)?.groups;
    const name = groups && (groups.fn ?? groups.cls ?? groups.vr ?? groups.asg ?? groups.meth);
    if (!name || SKIP_WORDS.has(name)) continue;
    const summary = summarise(cleanJsDoc(doc));
    if (!summary) continue;
    const start = (match.index ?? 0) + whole.length - signature.length;
    const end = declarationEnd(text, start);
    if (end === undefined) continue;
    const code = text
      .slice(start, end)
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    if (code.length > MAX_CODE_CHARS || code.length < 20) continue;
    pairs.push({ language, file, name, code, summary });
  }
  return pairs;
}

/** The description part of a JSDoc block: leading `*` removed, stopping at the first @tag. */
function cleanJsDoc(doc: string): string {
  const out: string[] = [];
  for (const line of doc.split('\n').map((l) => l.replace(/^\s*\*\s?/, ''))) {
    if (line.trim().startsWith('@')) break;
    out.push(line);
  }
  return out.join('\n');
}

/** End of the declaration: its matching '}' — or its ';' when no body comes first. */
function declarationEnd(text: string, start: number): number | undefined {
  const semi = text.indexOf(';', start);
  const brace = text.indexOf('{', start);
  if (brace < 0 || (semi >= 0 && semi < brace)) {
    return semi >= 0 && semi + 1 - start <= 400 ? semi + 1 : undefined;
  }
  return matchBrace(text, brace);
}

/** Index just past the brace matching text[open] (skips strings and comments). */
function matchBrace(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (i - open > MAX_CODE_CHARS * 2) return undefined;
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) return undefined;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) return undefined;
      i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
