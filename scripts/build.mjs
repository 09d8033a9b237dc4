// Bundles the extension, the language server, its model worker, the CLI and the performance
// panel's page script with esbuild, and copies the runtime assets they read from disk (the
// explain prompts, the tree-sitter WASM runtime and grammars).
// Native and heavyweight packages stay external: they load from node_modules at run time.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const external = [
  'vscode',
  '@huggingface/transformers',
  'onnxruntime-node',
  'onnxruntime-web',
  'sharp',
  'better-sqlite3',
  // The bench's llama.cpp engine, installed on demand (npm run bench:llamacpp) and imported lazily: never bundled.
  'node-llama-cpp',
];

/** Keep in step with WASM_FILES in server/src/completion/syntax/grammars.ts. */
const TREE_SITTER_WASM = ['tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-typescript.wasm', 'tree-sitter-javascript.wasm'];

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = [
  { entryPoints: ['extension/src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/backends/local/worker.ts'], outfile: 'dist/localWorker.js' },
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
].filter((entry) => existsSync(join(root, /** @type {string} */ (entry.entryPoints[0]))));

// The performance panel's page script (webview/panel/): one browser bundle with uPlot, plus one
// stylesheet (uPlot's and the panel's). VS Code's webview loads both from dist/webview/;
// `tandem report --html` inlines them, so the report opens offline.
/** @type {import('esbuild').BuildOptions} */
const panelPage = {
  entryPoints: ['webview/panel/main.ts'],
  outfile: 'dist/webview/panel.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome114'],
  minify: true,
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([...entries.map((entry) => build({ ...common, ...entry })), build(panelPage)]);

copyAssets();
if (watch) console.log('Watch mode is not supported; run `npm run build` again.');

function copyAssets() {
  const prompts = join(root, 'server/src/explain/prompts');
  if (existsSync(prompts)) {
    mkdirSync(join(root, 'dist/prompts'), { recursive: true });
    for (const name of readdirSync(prompts)) cpSync(join(prompts, name), join(root, 'dist/prompts', name));
  }
  // server/src/completion/syntax/grammars.ts loads these from dist/tree-sitter (offline).
  const wasm = join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm');
  mkdirSync(join(root, 'dist/tree-sitter'), { recursive: true });
  for (const name of TREE_SITTER_WASM) cpSync(join(wasm, name), join(root, 'dist/tree-sitter', name));
}
