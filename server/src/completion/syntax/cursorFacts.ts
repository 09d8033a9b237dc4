/**
 * Facts about the end of the text before the cursor that decide what a suggestion may be:
 * is the cursor inside a string or a comment, inside open brackets, and does the statement on
 * the cursor's line end there? Tree-sitter answers where a grammar is loaded; brackets and
 * punctuation heuristics answer for other languages, before the grammar loads, or when the
 * parse around the cursor is too broken to trust.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { scanBrackets } from '../filters/bracketScan';
import { parserFor } from './grammars';

export interface CursorFacts {
  inString: boolean;
  inComment: boolean;
  /** Brackets are open at the cursor (a line break there is only a continuation line). */
  insideBrackets: boolean;
  /** The statement that holds the last token before the cursor ends there. */
  statementComplete: boolean;
  source: 'tree-sitter' | 'heuristic';
}

export interface FactsInput {
  /** Text before the cursor: FACTS_PREFIX_CHARS of it where the document has them. */
  prefix: string;
  suffix: string;
  languageId: string;
}

/** Parsing is bounded: this much text before the cursor (cut back to a top-level line)... */
const PARSE_PREFIX_CHARS = 6000;
/** ...and this much after it, enough to see whether the statement goes on. */
const PARSE_SUFFIX_CHARS = 600;
/** What callers should pass before the cursor: room to look back for a top-level line. */
export const FACTS_PREFIX_CHARS = 8000;

const CONTAINERS = new Set([
  'module',
  'block',
  'program',
  'statement_block',
  'class_body',
  'switch_body',
  'switch_case',
  'switch_default',
  'enum_body',
  'interface_body',
  'object_type',
]);
/** Bracketed expressions: a line break inside them only continues the expression. */
const BRACKETED = new Set([
  'argument_list',
  'arguments',
  'parenthesized_expression',
  'list',
  'tuple',
  'dictionary',
  'set',
  'array',
  'object',
  'parameters',
  'formal_parameters',
  'subscript',
  'subscript_expression',
  'list_comprehension',
  'dictionary_comprehension',
  'set_comprehension',
  'generator_expression',
  'object_pattern',
  'array_pattern',
  'named_imports',
  'import_from_statement',
  'type_arguments',
  'type_parameters',
]);
const STRING_TYPES = new Set(['string', 'template_string', 'string_fragment', 'string_content', 'concatenated_string']);
/** The line ends in an operator or separator: the expression goes on. */
const DANGLING_OPERATOR = /[,([{=+\-*/%&|^<>!~.?:\\]\s*$/;
/**
 * The line ends in a keyword that takes an operand (or a name, or a block header): the user is
 * writing what follows. This holds whatever the grammar says: tree-sitter parses a bare `return`,
 * `yield` or `raise` as a whole statement, and `new`, `await` or `let` as plain names where the
 * language allows it. Not after a `.` (`map.delete`, `obj.default` are property names).
 * Postfix operators (`i++`, `x!`, `import *`, `Array<T>`) are left to the grammar.
 */
const OPERAND_KEYWORD = new RegExp(
  '(?<![.$\\w])(?:' +
    [
      'and',
      'or',
      'not',
      'in',
      'is',
      'return',
      'yield',
      'await',
      'raise',
      'throw',
      'new',
      'typeof',
      'instanceof',
      'delete',
      'del',
      'assert',
      'global',
      'nonlocal',
      'lambda',
      'async',
      'def',
      'class',
      'if',
      'elif',
      'else',
      'while',
      'for',
      'with',
      'as',
      'import',
      'from',
      'export',
      'default',
      'case',
      'except',
      'const',
      'let',
      'var',
      'function',
      'extends',
      'implements',
      'satisfies',
      'keyof',
    ].join('|') +
    ')\\s*$',
);

/** The code on a line goes on past its end: an operator, a separator or an operand-taking keyword. */
function dangles(code: string): boolean {
  return DANGLING_OPERATOR.test(code) || OPERAND_KEYWORD.test(code);
}

export function cursorFacts(input: FactsInput): CursorFacts {
  // One window for both answers, starting at a line without indentation: a window that starts
  // inside a docstring would read every string after it inside out.
  const window = { ...input, prefix: input.prefix.slice(windowStart(input.prefix)) };
  const heuristic = heuristicFacts(window);
  const parser = parserFor(input.languageId);
  if (!parser) return heuristic;
  try {
    return treeSitterFacts(parser.parse.bind(parser), window, heuristic) ?? heuristic;
  } catch {
    return heuristic;
  }
}

function heuristicFacts({ prefix, languageId }: FactsInput): CursorFacts {
  const line = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const scan = scanBrackets(prefix, { languageId, outerUnknown: true });
  const inComment = lineComment(line, languageId);
  const code = inComment ? '' : line;
  // In brace languages an open `{` is usually a block, which a statement may end inside.
  const open = scan.unclosed.filter((event) => event.char !== '{' || languageId === 'python');
  return {
    inString: scan.endsInString,
    inComment,
    insideBrackets: open.length > 0,
    statementComplete: !inComment && !scan.endsInString && open.length === 0 && code.trim() !== '' && !dangles(code),
    source: 'heuristic',
  };
}

type Parse = (text: string) => { rootNode: Node; delete(): void } | null;

function treeSitterFacts(parse: Parse, input: FactsInput, heuristic: CursorFacts): CursorFacts | undefined {
  const cursor = input.prefix.length;
  const after = input.suffix.slice(0, PARSE_SUFFIX_CHARS);
  const text = input.prefix + after.slice(0, after.lastIndexOf('\n') + 1 || after.length);
  const last = lastCodeIndex(text, cursor);
  if (last < 0) return undefined;
  const tree = parse(text);
  if (!tree) return undefined;
  try {
    const leaf = tree.rootNode.descendantForIndex(last, last + 1);
    if (!leaf) return undefined;
    const inComment = hasAncestor(leaf, (node) => node.type.includes('comment') && node.endIndex >= cursor);
    const inString = hasAncestor(leaf, (node) => STRING_TYPES.has(node.type) && (node.endIndex > cursor || endsUnclosed(node)));
    const statement = statementOf(leaf);
    // A broken parse around the cursor says nothing reliable about brackets or completeness.
    const broken = statement.hasError || leaf.isMissing || hasAncestor(leaf, (node) => node.type === 'ERROR');
    const insideBrackets = broken
      ? heuristic.insideBrackets
      : hasAncestor(leaf, (node) => BRACKETED.has(node.type) && node.startIndex < cursor && node.endIndex > cursor);
    const line = input.prefix.slice(input.prefix.lastIndexOf('\n') + 1);
    const complete = broken
      ? heuristic.statementComplete
      : statement.endIndex <= cursor && !inString && !inComment && !OPERAND_KEYWORD.test(line);
    return {
      inString: inString || heuristic.inString,
      inComment,
      insideBrackets,
      statementComplete: complete && !insideBrackets,
      source: 'tree-sitter',
    };
  } finally {
    tree.delete();
  }
}

/**
 * Where the window starts: the first line without indentation in the last PARSE_PREFIX_CHARS
 * (Python's parse then starts at the top level, and outside any string), else the nearest one
 * before them, else just a line start. A short prefix is taken whole (it is the document's
 * start: callers pass FACTS_PREFIX_CHARS when they have them).
 */
function windowStart(prefix: string): number {
  if (prefix.length <= PARSE_PREFIX_CHARS) return 0;
  const from = prefix.length - PARSE_PREFIX_CHARS;
  const topLevel = /\n(?=\S)/g;
  topLevel.lastIndex = from - 1;
  const match = topLevel.exec(prefix);
  if (match) return match.index + 1;
  for (let newline = prefix.lastIndexOf('\n', from - 1); newline >= 0; newline = newline > 0 ? prefix.lastIndexOf('\n', newline - 1) : -1) {
    if (/\S/.test(prefix[newline + 1] ?? '')) return newline + 1;
  }
  return prefix.indexOf('\n', from) + 1;
}

function lastCodeIndex(text: string, cursor: number): number {
  let i = cursor - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i >= 0 && text[i] !== '\n' ? i : -1;
}

function hasAncestor(node: Node, test: (node: Node) => boolean): boolean {
  for (let current: Node | null = node; current; current = current.parent) {
    if (test(current)) return true;
  }
  return false;
}

/** A string whose closing quote the parser had to invent. */
function endsUnclosed(node: Node): boolean {
  const close = node.lastChild;
  return node.hasError || (close !== null && close.isMissing);
}

/** The outermost node below a statement container: the statement the leaf belongs to. */
function statementOf(leaf: Node): Node {
  let node = leaf;
  while (node.parent && !CONTAINERS.has(node.parent.type)) node = node.parent;
  return node;
}

function lineComment(line: string, languageId: string): boolean {
  const marker = languageId === 'python' || languageId === 'shellscript' || languageId === 'ruby' || languageId === 'yaml' ? '#' : '//';
  const scan = scanBrackets(line, { languageId, outerUnknown: true });
  if (scan.endsInString) return false;
  const at = line.indexOf(marker);
  return at !== -1 && !scanBrackets(line.slice(0, at), { languageId, outerUnknown: true }).endsInString;
}
