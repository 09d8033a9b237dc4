/**
 * An automatic grounding score for one explanation: the share of the identifiers the
 * explanation names that occur in the code it explains. An explanation that talks about
 * `parseHeader` when the selection has no such name is describing code it did not see.
 *
 * The rule (deterministic, no parser, any language):
 * - Fenced code blocks (```…```) are skipped: they are examples, not claims about the selection.
 * - Backticked spans (`…`) are code by the writer's own mark: every identifier token in them
 *   counts (`math.pi * r` names `math`, `pi` and `r`).
 * - In prose, a word counts only when it is code-like: camelCase or PascalCase with an inner
 *   capital (`parseInt`, `HttpServer`), snake_case or SCREAMING_CASE with an inner underscore
 *   (`max_len`, `__init__`), a leading `_` or `$` (`_cache`, `$el`), a dotted name
 *   (`self.radius`, `os.path.join`: every segment counts), or a call (`area()`, `parse(`).
 *   Plain English words, capitalised words and ACRONYMS are not code-like and never count.
 * - Never counted: language keywords and literals (`return`, `const`, `None`, `this`, …),
 *   primitive type names (`int`, `string`, …), Markdown emphasis (`_word_`), abbreviations
 *   such as "e.g.", file names (`config.json`), product names written in camelCase
 *   (JavaScript, TypeScript, GitHub, …) and "(s)" plurals ("value(s)" is not a call).
 * - Each distinct name counts once. A name is grounded when it occurs in the selection as a
 *   whole identifier token (case-sensitive; strings and comments of the selection count too).
 *
 * Score = grounded names / named names, in 0..1; undefined when the explanation names no
 * identifier at all (a one-line summary is neither grounded nor hallucinated).
 */

export interface GroundingResult {
  /** grounded.length / named.length; undefined when nothing was named. */
  score: number | undefined;
  /** Every distinct identifier the explanation names, in order of first mention. */
  named: string[];
  /** Those of `named` that occur in the selection. */
  grounded: string[];
}

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/** A prose token: a name, optionally dotted, optionally followed by "(" (but not the "(s)" of a plural). */
const PROSE_TOKEN = /[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\((?!s\)))?/g;

/** Keywords and literals of the languages Tandem sees most; they name nothing in the selection. */
const KEYWORDS = new Set(
  // JavaScript / TypeScript
  (
    'abstract as async await break case catch class const continue debugger declare default delete do else enum ' +
    'export extends false finally for from function if implements import in instanceof interface keyof let ' +
    'new null of private protected public readonly return static super switch this throw true try ' +
    'typeof undefined var void while with yield ' +
    // Python
    'and assert def del elif except global is lambda nonlocal not or pass raise None True False self cls ' +
    // Java, C, C++, C#, Go, Rust, Ruby, PHP
    'final native synchronized throws transient volatile auto extern goto register signed sizeof struct ' +
    'typedef union unsigned constexpr nullptr namespace template typename virtual operator friend inline ' +
    'using sealed override internal unsafe chan defer fallthrough func package fn impl mut pub crate ' +
    'trait dyn elsif unless rescue ensure nil foreach endif endforeach ' +
    // primitive type names
    'int float double long short char byte bool boolean string number bigint symbol object any unknown never ' +
    'str bytes usize isize u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 uint int32 int64 float32 float64 rune'
  ).split(' '),
);

/** camelCase words that are prose, not code. */
const PROSE_NAMES = new Set(
  (
    'JavaScript TypeScript CoffeeScript GitHub GitLab PostgreSQL MySQL MongoDB GraphQL WebSocket WebSockets ' +
    'OAuth iOS macOS iPhone iPad YouTube LinkedIn PyPI NumPy SciPy PyTorch TensorFlow OpenAI DevOps ' +
    'JavaDoc JSDoc NaN'
  ).split(' '),
);

/** File extensions: `config.json` in prose is a file name, not a member access. */
const FILE_EXTENSIONS = new Set(
  (
    'js jsx ts tsx mjs cjs py rb go rs java kt c h cc cpp hpp cs php swift json yaml yml toml md txt html css ' +
    'scss xml csv sql sh ini cfg lock env log'
  ).split(' '),
);

export function groundingScore(explanation: string, selection: string): GroundingResult {
  const named = namedIdentifiers(explanation);
  const present = new Set(selection.match(IDENTIFIER) ?? []);
  const grounded = named.filter((name) => present.has(name));
  return { score: named.length === 0 ? undefined : grounded.length / named.length, named, grounded };
}

/** The distinct identifiers an explanation names, by the rule in this file's header. */
export function namedIdentifiers(explanation: string): string[] {
  const names = new Set<string>();
  const add = (name: string): void => {
    if (!KEYWORDS.has(name)) names.add(name);
  };
  // Split off fenced blocks first: odd parts are inside a fence (an unclosed fence runs to the end).
  explanation.split('```').forEach((outsideFence, index) => {
    if (index % 2 === 1) return;
    // Odd parts are inside backticks; a lone unmatched backtick leaves the rest as prose-like code.
    outsideFence.split('`').forEach((part, spanIndex) => {
      if (spanIndex % 2 === 1) {
        for (const name of part.match(IDENTIFIER) ?? []) add(name);
      } else {
        for (const token of part.match(PROSE_TOKEN) ?? []) {
          for (const name of proseNames(token)) add(name);
        }
      }
    });
  });
  return [...names];
}

/** The names a prose token contributes: none unless it is code-like. */
function proseNames(token: string): string[] {
  const call = token.endsWith('(');
  const text = call ? token.slice(0, -1) : token;
  const segments = text.split('.');
  if (segments.length > 1) {
    if (segments.every((segment) => segment.length === 1)) return []; // "e.g", "i.e"
    if (!call && segments.length === 2 && FILE_EXTENSIONS.has(segments[1] ?? '')) return []; // "config.json"
    return segments;
  }
  if (call) return [text];
  return isCodeLikeWord(text) ? [text] : [];
}

function isCodeLikeWord(word: string): boolean {
  if (PROSE_NAMES.has(word)) return false;
  if (/^_[A-Za-z]+_$/.test(word)) return false; // Markdown emphasis, not a name
  if (/^[_$]/.test(word)) return true;
  if (/[A-Za-z0-9]_[A-Za-z0-9]/.test(word)) return true;
  return /[a-z0-9][A-Z]/.test(word);
}
