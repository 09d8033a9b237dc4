/**
 * Which documents may lend context to which: only the same language family (a Python snippet in
 * a TypeScript prompt teaches the model the wrong syntax), and how a snippet's path header is
 * written as a comment in that family.
 */

/** Language ids whose files read alike; ids not listed form a family of their own. */
const FAMILIES: Readonly<Record<string, string>> = {
  python: 'python',
  typescript: 'js',
  typescriptreact: 'js',
  javascript: 'js',
  javascriptreact: 'js',
};

/** Line comment per family or language id; languages without one here get no cross-file context. */
const LINE_COMMENTS: Readonly<Record<string, string>> = {
  python: '#',
  js: '//',
  ruby: '#',
  shellscript: '#',
  perl: '#',
  r: '#',
  go: '//',
  rust: '//',
  java: '//',
  kotlin: '//',
  scala: '//',
  swift: '//',
  c: '//',
  cpp: '//',
  csharp: '//',
  php: '//',
  dart: '//',
};

export function languageFamily(languageId: string): string {
  return FAMILIES[languageId] ?? languageId;
}

/** The line comment that starts a snippet's path header, or undefined (no cross-file context). */
export function lineComment(languageId: string): string | undefined {
  return LINE_COMMENTS[languageFamily(languageId)];
}
