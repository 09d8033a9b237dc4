/**
 * Similarity of code by the identifiers it uses: Jaccard over identifier sets, as Continue's
 * and Copilot's neighbouring-file ranking do. Cheap, language-neutral, and blind to layout.
 */

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/** Keywords say little about what code is about; they would make every window look alike. */
const STOP_WORDS = new Set([
  'if',
  'else',
  'for',
  'while',
  'return',
  'in',
  'of',
  'is',
  'not',
  'and',
  'or',
  'def',
  'class',
  'import',
  'from',
  'as',
  'const',
  'let',
  'var',
  'function',
  'new',
  'this',
  'self',
  'true',
  'false',
  'True',
  'False',
  'None',
  'null',
  'undefined',
  'export',
  'default',
  'await',
  'async',
  'try',
  'except',
  'catch',
  'finally',
  'throw',
  'raise',
  'with',
  'pass',
  'break',
  'continue',
  'typeof',
  'type',
  'interface',
  'extends',
  'implements',
  'public',
  'private',
  'protected',
  'static',
  'readonly',
  'lambda',
  'yield',
  'elif',
  'switch',
  'case',
  'do',
  'void',
  'string',
  'number',
  'boolean',
  'any',
  'require',
  'module',
  'exports',
]);

export function identifierSet(text: string): Set<string> {
  const identifiers = new Set<string>();
  for (const match of text.matchAll(IDENTIFIER)) {
    const word = match[0];
    if (word.length > 1 && !STOP_WORDS.has(word)) identifiers.add(word);
  }
  return identifiers;
}

/** |A ∩ B| / |A ∪ B|; 0 when both are empty. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const word of small) if (large.has(word)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}
