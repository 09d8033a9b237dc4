/**
 * A rough, language-aware bracket scanner shared by the bracket and suffix-echo filters. It
 * skips string literals and comments so that `"("` or `// )` do not count. It is a heuristic,
 * not a parser: strings in quotes ' and " end at the line end, so a mistake stays on one line.
 */

export interface BracketEvent {
  index: number;
  char: string;
  open: boolean;
  /** Closers only: 'excess' when nothing was open, 'mismatch' when another bracket was. */
  problem?: 'excess' | 'mismatch';
}

export interface BracketScan {
  events: BracketEvent[];
  /** Openers still unclosed at the end, outermost first. */
  unclosed: BracketEvent[];
  /** The text ends inside a string literal. */
  endsInString: boolean;
}

export interface ScanOptions {
  languageId: string;
  /** Text before the scanned text is missing, so a closer with nothing open may be fine. */
  outerUnknown?: boolean;
}

const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const HASH_COMMENT_LANGUAGES = new Set([
  'python',
  'shellscript',
  'ruby',
  'yaml',
  'perl',
  'r',
  'makefile',
  'dockerfile',
  'toml',
  'coffeescript',
  'powershell',
  'elixir',
  'julia',
  'nim',
]);
/** Languages where a lone `'` is not a string quote (lifetimes, prose apostrophes). */
const NO_SINGLE_QUOTE_STRINGS = new Set(['rust', 'markdown', 'plaintext', 'ocaml', 'lisp', 'clojure']);

export function scanBrackets(text: string, options: ScanOptions): BracketScan {
  const hashComments = HASH_COMMENT_LANGUAGES.has(options.languageId);
  const singleQuotes = !NO_SINGLE_QUOTE_STRINGS.has(options.languageId);
  const events: BracketEvent[] = [];
  const stack: BracketEvent[] = [];
  let i = 0;
  let endsInString = false;
  while (i < text.length) {
    const ch = text[i] ?? '';
    const next = text[i + 1];
    if (hashComments ? ch === '#' : ch === '/' && next === '/') {
      i = lineEnd(text, i);
    } else if (!hashComments && ch === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? text.length : close + 2;
    } else if (ch === '"' || ch === '`' || (ch === "'" && singleQuotes)) {
      const end = stringEnd(text, i, hashComments);
      endsInString = end === -1;
      i = end === -1 ? text.length : end;
      continue;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      const event = { index: i, char: ch, open: true };
      events.push(event);
      stack.push(event);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack[stack.length - 1];
      const event: BracketEvent = { index: i, char: ch, open: false };
      if (top?.char === PAIRS[ch]) stack.pop();
      else if (top) event.problem = 'mismatch';
      else if (!options.outerUnknown) event.problem = 'excess';
      events.push(event);
    }
    endsInString = false;
    i++;
  }
  return { events, unclosed: stack, endsInString };
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

/**
 * Index just past the closing quote, or -1 when the text ends inside the string. Python's
 * triple quotes and backticks span lines; other strings stop at the line end.
 */
function stringEnd(text: string, start: number, tripleQuotes: boolean): number {
  const quote = text[start] ?? '';
  const triple = tripleQuotes && text.startsWith(quote.repeat(3), start);
  const closer = triple ? quote.repeat(3) : quote;
  const multiline = triple || quote === '`';
  for (let i = start + closer.length; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '\n' && !multiline) {
      return i;
    } else if (text.startsWith(closer, i)) {
      return i + closer.length;
    }
  }
  return -1;
}
