// Packages the extension as tandem-<version>.vsix (run `npm run build` first; `npm run package`
// does both).
//
// The bundles in dist/ carry all pure-JS code; what they load from node_modules at run time
// (found by scanning dist/*.js for require() of packages) is onnxruntime-node, better-sqlite3 and
// @huggingface/transformers, plus everything those need. Those packages and their runtime
// dependencies are copied into dist/node_modules of a staging folder outside the repository (so
// nothing can resolve from the repository's own node_modules by accident); .vscodeignore then
// picks, as an allowlist, the files of them that ship (one platform's binaries, no sources, maps
// or docs). dist/node_modules rather than node_modules: Node finds it the same way from
// dist/*.js, and vsce with --no-dependencies packs it like any other folder instead of asking
// `npm list`, which would insist on the install-time-only packages left out below.
//
// better-sqlite3 is not ABI-stable: the staged copy is recompiled for the Node that will run the
// server. By default that is Node 24, code-server's Node (the compiled addon is cached in
// .e2e-cache/native/). `--electron <version>` compiles it for desktop VS Code's Electron instead
// (node-gyp fetches Electron's headers from electronjs.org, so that needs a network). The repository's
// own node_modules (built for the Node 20 that runs `npm test`) is never touched.
//
// Usage: node scripts/package.mjs [--electron <version>] [--out <file.vsix>] [--keep-stage]
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, ensureTools, findNodeGyp, node24BuildEnv, root, run, toolPaths } from './e2e-tools.mjs';

/** Only the target this script builds native modules for (and the binaries .vscodeignore keeps). */
const TARGET = 'linux-x64';
/**
 * Dependencies that only their package's install script uses, never the running server:
 * prebuild-install (better-sqlite3's prebuilt download), global-agent and tar (onnxruntime-node's
 * CUDA download); onnxruntime-web is replaced by an empty module in transformers' Node build.
 */
const NOT_AT_RUN_TIME = new Set(['prebuild-install', 'global-agent', 'tar', 'onnxruntime-web']);

const { values: options } = parseArgs({
  options: {
    electron: { type: 'string' },
    out: { type: 'string' },
    'keep-stage': { type: 'boolean', default: false },
  },
});

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = options.out ?? join(root, `${manifest.name}-${manifest.version}.vsix`);
if (!existsSync(join(root, 'dist/server.js'))) throw new Error('dist/ is missing: run `npm run build` first.');

const tools = ensureTools();
const stage = mkdtempSync(join(tmpdir(), 'tandem-vsix-'));
try {
  stageExtension(stage);
  const roots = runtimeRequires(join(root, 'dist'));
  const packages = collectPackages(roots);
  for (const dir of packages) copyPackage(dir, join(stage, 'dist', relative(root, dir)));
  console.log(`Staged ${packages.length} runtime packages for ${roots.join(', ')}.`);
  buildBetterSqlite3(join(stage, 'dist/node_modules/better-sqlite3'));
  packageVsix(stage);
  if (!options.electron) checkPackedLoads(roots);
} finally {
  if (options['keep-stage']) console.log(`Staging folder kept: ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

function stageExtension(stageDir) {
  for (const file of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(stageDir, file));
  }
  for (const dir of ['dist', 'media']) cpSync(join(root, dir), join(stageDir, dir), { recursive: true });
  for (const name of readdirSync(join(root, 'models'))) {
    if (name.startsWith('tandem-')) cpSync(join(root, 'models', name), join(stageDir, 'models', name), { recursive: true });
  }
}

/** Package names the bundles require() at run time (everything else esbuild inlined). */
function runtimeRequires(distDir) {
  const names = new Set();
  for (const file of readdirSync(distDir).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(join(distDir, file), 'utf8');
    for (const [, specifier] of code.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (!isBuiltin(specifier) && name !== 'vscode' && !NOT_AT_RUN_TIME.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/** The installed package directories `roots` need, resolved the way Node resolves them. */
function collectPackages(roots) {
  const found = new Set();
  const visit = (name, fromDir, optional) => {
    if (NOT_AT_RUN_TIME.has(name)) return;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir) {
      if (optional) return; // another platform's binary, not installed here
      throw new Error(`${name} (needed by ${relative(root, fromDir) || 'dist'}) is not installed: run npm install.`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, Boolean(pkg.optionalDependencies?.[dep]));
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of roots) visit(name, root, false);
  return [...found].sort();
}

function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) break;
  }
  return undefined;
}

/** A package without its nested node_modules (those are staged separately, when needed). */
function copyPackage(from, to) {
  const nested = join(from, 'node_modules');
  cpSync(from, to, { recursive: true, dereference: true, filter: (src) => !src.startsWith(nested) });
}

/** Compiles better-sqlite3 in the stage for the target runtime, reusing a cached build. */
function buildBetterSqlite3(dir) {
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  // Keyed on the exact headers, not only the ABI: Node 24.19 changed node::ObjectWrap in its
  // headers, and better-sqlite3 12 built against them aborts when a statement is garbage-collected
  // (nodejs/node#65446). The pinned Node 24 in test/e2e/tools predates that change.
  const runtime = options.electron ? `electron-${options.electron}` : `node-${nodeVersion()}`;
  const cached = join(cacheDir, 'native', `better-sqlite3-${version}-${runtime}-${TARGET}.node`);
  const addon = join(dir, 'build/Release/better_sqlite3.node');
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  if (existsSync(cached)) {
    mkdirSync(dirname(addon), { recursive: true });
    cpSync(cached, addon);
    console.log(`better-sqlite3 ${version} for ${runtime}: cached build.`);
    return;
  }
  console.log(`better-sqlite3 ${version}: compiling for ${runtime} (about 90 s on 2 cores)...`);
  const target = options.electron
    ? [`--target=${options.electron}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron']
    : [`--nodedir=${tools.node24Dir}`];
  // For Electron, an empty nodedir: node-gyp would prefer a set one over --target and build for Node.
  const env = { ...node24BuildEnv(), ...(options.electron ? { npm_config_nodedir: '' } : {}) };
  run(tools.node24, [findNodeGyp(), 'rebuild', '--release', ...target], { cwd: dir, env, quiet: true });
  mkdirSync(dirname(cached), { recursive: true });
  cpSync(addon, cached);
}

function nodeVersion() {
  return execFileSync(tools.node24, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
}

/** Unpacks the .vsix and loads every runtime package from it under Node 24, as the server will. */
/** The tree-sitter runtime and grammars the completion filters parse with must ship. */
function checkTreeSitter(extensionDir) {
  const dir = join(extensionDir, 'dist/tree-sitter');
  const wanted = readdirSync(join(root, 'dist/tree-sitter')).filter((name) => name.endsWith('.wasm'));
  const missing = wanted.filter((name) => !existsSync(join(dir, name)));
  if (wanted.length === 0 || missing.length > 0) throw new Error(`The .vsix lacks tree-sitter files: ${missing.join(', ') || 'all'}.`);
}

function checkPackedLoads(roots) {
  const unpacked = mkdtempSync(join(tmpdir(), 'tandem-vsix-check-'));
  try {
    run('python3', ['-m', 'zipfile', '-e', out, unpacked]);
    checkLoads(join(unpacked, 'extension'), roots);
    checkTreeSitter(join(unpacked, 'extension'));
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

function checkLoads(extensionDir, roots) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    // Many short-lived statements, so garbage collection finalizes some: the case that aborts
    // better-sqlite3 built against Node >= 24.19 headers.
    for (let i = 0; i < 2000; i++) db.prepare('select ' + i).get();
    const { v } = db.prepare('select sqlite_version() as v').get();
    for (const name of ${JSON.stringify(roots)}) require(name);
    console.log('Loads under Node ' + process.version + ': ' + ${JSON.stringify(roots.join(', '))} + ' (SQLite ' + v + ').');
  `;
  run(tools.node24, ['-e', script], { cwd: join(extensionDir, 'dist') });
}

function packageVsix(stageDir) {
  const args = ['package', '--no-dependencies', '--target', TARGET, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
  if (!existsSync(join(stageDir, 'LICENSE'))) args.push('--skip-license');
  run(process.execPath, [tools.vsce, ...args], { cwd: stageDir });
  const megabytes = (statSync(out).size / 1024 / 1024).toFixed(1);
  console.log(`Wrote ${relative(process.cwd(), out) || out} (${megabytes} MB) for ${TARGET}, ${options.electron ? `Electron ${options.electron}` : 'Node 24 (code-server)'}.`);
}
