/**
 * Tree-sitter grammars (WASM, from @vscode/tree-sitter-wasm: the web-tree-sitter 0.25 runtime
 * and grammars built for it, so their ABI always matches). They load once, asynchronously and
 * offline, from dist/tree-sitter (copied there by scripts/build.mjs, shipped in the .vsix) or
 * from node_modules when running from the sources. Callers ask synchronously: until a grammar
 * has loaded, or if it failed to, they get undefined and use the heuristics instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser } from '@vscode/tree-sitter-wasm';
import { packageRoot } from '../../packageRoot';

/** VS Code language ids → grammar file. JavaScript's grammar parses JSX as well. */
const GRAMMAR_FILES: Record<string, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  javascriptreact: 'tree-sitter-javascript.wasm',
};

/** The files scripts/build.mjs copies next to the bundles. */
export const WASM_FILES = ['tree-sitter.wasm', ...new Set(Object.values(GRAMMAR_FILES))];

let runtime: Promise<string> | undefined;
const parsers = new Map<string, Parser | null>();
const loading = new Map<string, Promise<Parser | null>>();

/** The parser for a language if its grammar has loaded; otherwise starts loading it. */
export function parserFor(languageId: string): Parser | undefined {
  const parser = parsers.get(languageId);
  if (parser !== undefined) return parser ?? undefined;
  void loadGrammar(languageId);
  return undefined;
}

/** Loads grammars now (tests, warm-up); resolves to the ones that loaded. */
export async function loadGrammars(languageIds: readonly string[] = Object.keys(GRAMMAR_FILES)): Promise<string[]> {
  const loaded = await Promise.all(languageIds.map(async (id) => ((await loadGrammar(id)) ? id : undefined)));
  return loaded.filter((id): id is string => id !== undefined);
}

function loadGrammar(languageId: string): Promise<Parser | null> {
  const file = GRAMMAR_FILES[languageId];
  if (!file) return Promise.resolve(null);
  let pending = loading.get(languageId);
  if (!pending) {
    pending = (async () => {
      try {
        const dir = await initRuntime();
        const parser = new Parser();
        parser.setLanguage(await Language.load(join(dir, file)));
        return parser;
      } catch {
        // No grammar (a broken install, an unsupported runtime): the heuristics take over.
        return null;
      }
    })().then((parser) => {
      parsers.set(languageId, parser);
      return parser;
    });
    loading.set(languageId, pending);
  }
  return pending;
}

function initRuntime(): Promise<string> {
  runtime ??= (async () => {
    const dir = wasmDirectory();
    await Parser.init({ locateFile: (name: string) => join(dir, name) });
    return dir;
  })();
  return runtime;
}

function wasmDirectory(): string {
  const root = packageRoot();
  const candidates = [join(root, 'dist/tree-sitter'), join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm')];
  const found = candidates.find((dir) => existsSync(join(dir, 'tree-sitter.wasm')));
  if (!found) throw new Error(`tree-sitter.wasm is missing (looked in ${candidates.join(', ')}).`);
  return found;
}
