/**
 * Imported symbols and where they are defined, found with regular expressions (cheap, no parser):
 * `import { foo } from './bar'`, `const { foo } = require('./bar')`, `from bar import foo`, and
 * members used through a namespace (`utils.foo` after `const utils = require('./utils')`). The
 * definition is looked for only in open documents named like the module (`bar.ts`, `bar.py`).
 */
import { languageFamily } from './languages';

export interface ImportedNames {
  /** The module's last path segment (`./lib/bar` → `bar`, `pkg.bar` → `bar`). */
  moduleName: string;
  names: string[];
}

/** Only the head of a document is read for imports. */
const IMPORT_SCAN_CHARS = 8000;
const MAX_NAMES = 16;

const JS_NAMED = /import\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g;
const JS_DEFAULT = /import\s+([\w$]+)\s*(?:,\s*\{[^}]*\})?\s*from\s*['"]([^'"]+)['"]/g;
const JS_NAMESPACE = /import\s+\*\s+as\s+([\w$]+)\s+from\s*['"]([^'"]+)['"]/g;
const JS_REQUIRE_NAMED = /(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g;
const JS_REQUIRE_NAMESPACE = /(?:const|let|var)\s+([\w$]+)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g;
const PY_FROM = /^[ \t]*from\s+([\w.]+)\s+import\s+\(?([\w\s,]+?)\)?\s*$/gm;
const PY_IMPORT = /^[ \t]*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$/gm;

/**
 * What the document imports and, for namespace imports, the members `query` uses: `query` is
 * the text around the cursor, so only the namespace members in view are looked up.
 */
export function importedNames(documentText: string, languageId: string, query: string): ImportedNames[] {
  const head = documentText.slice(0, IMPORT_SCAN_CHARS);
  const found: ImportedNames[] = [];
  const add = (module: string, names: string[]) => {
    const usable = names.filter((name) => /^[A-Za-z_$][\w$]*$/.test(name)).slice(0, MAX_NAMES);
    if (usable.length > 0) found.push({ moduleName: lastSegment(module), names: usable });
  };
  const namespace = (alias: string, module: string) => add(module, membersUsed(query, alias));
  const family = languageFamily(languageId);
  if (family === 'js') {
    for (const [, list, module] of head.matchAll(JS_NAMED)) add(module ?? '', namedList(list ?? ''));
    for (const [, list, module] of head.matchAll(JS_REQUIRE_NAMED)) add(module ?? '', namedList(list ?? '', ':'));
    for (const [, alias, module] of head.matchAll(JS_NAMESPACE)) namespace(alias ?? '', module ?? '');
    for (const [, alias, module] of head.matchAll(JS_REQUIRE_NAMESPACE)) namespace(alias ?? '', module ?? '');
    for (const [, alias, module] of head.matchAll(JS_DEFAULT)) {
      add(module ?? '', [alias ?? '']);
      namespace(alias ?? '', module ?? '');
    }
  } else if (family === 'python') {
    for (const [, module, list] of head.matchAll(PY_FROM)) add(module ?? '', namedList(list ?? ''));
    for (const [, module, alias] of head.matchAll(PY_IMPORT)) namespace(alias ?? lastSegment(module ?? ''), module ?? '');
  }
  return found.filter((entry) => entry.moduleName !== '');
}

/** `a, b as c, type d` → the names as imported from the module (`a`, `b`, `d`). */
function namedList(list: string, renameWord = 'as'): string[] {
  return list
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, ''))
    .map((part) => (part.split(renameWord === ':' ? ':' : /\s+as\s+/)[0] ?? '').trim())
    .filter((name) => name !== '');
}

function membersUsed(query: string, alias: string): string[] {
  if (alias === '') return [];
  const members = new Set<string>();
  const escaped = alias.replace(/\$/g, '\\$');
  for (const [, member] of query.matchAll(new RegExp(`(?<![\\w$.])${escaped}\\.([A-Za-z_$][\\w$]*)`, 'g'))) {
    if (member) members.add(member);
  }
  return [...members];
}

function lastSegment(module: string): string {
  const parts = module.split(/[/.]/).filter((part) => part !== '' && part !== '..');
  return parts.at(-1) ?? '';
}

/** The document's file name without folders and extension (`/src/lib/bar.test.ts` → `bar.test`). */
export function moduleNameOfPath(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
}

/**
 * The line where `name` is defined in `lines`, or -1: a function, class, variable, type or
 * method definition, or an `exports.name =` / `name =` assignment at the start of a line.
 */
export function definitionLine(lines: readonly string[], name: string): number {
  const escaped = name.replace(/\$/g, '\\$');
  const patterns = [
    new RegExp(
      `^\\s*(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?(?:def|class|function\\*?|const|let|var|interface|type|enum)\\s+${escaped}\\b`,
    ),
    new RegExp(`^\\s*(?:module\\.)?exports\\.${escaped}\\s*=`),
    new RegExp(`^${escaped}\\s*(?::[^=]*)?=(?!=)`),
    // A method: `name(...) {` (a call at a line start has no brace after it).
    new RegExp(`^\\s*(?:static\\s+)?(?:async\\s+)?${escaped}\\s*\\(.*\\)\\s*(?::[^{]*)?\\{\\s*$`),
  ];
  // Strongest pattern first: a call or assignment earlier in the file must not win over `def name`.
  for (const pattern of patterns) {
    const line = lines.findIndex((text) => pattern.test(text));
    if (line !== -1) return line;
  }
  return -1;
}
