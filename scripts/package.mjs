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
// Two packages are not the repository's:
// - better-sqlite3 is version 13 from scripts/packaging/ (installed into .e2e-cache/packaging):
//   its npm package carries prebuilt Node-API binaries, one per platform, and one binary loads in
//   every Node >= 22 and in Electron (desktop VS Code >= 1.101), so nothing is compiled per
//   runtime. The repository itself still tests with better-sqlite3 12 under Node 20 (13 crashes
//   in Node 20), until the toolchain moves to Node >= 22.
// - sharp is replaced by a stub (scripts/packaging/sharp-stub): transformers.js requires it at
//   load time for image inputs, which Tandem never passes, and the real one is 17 MB of libvips.
// Only the q8 (int8) ONNX weights of the bundled models ship; `--fp32` adds the full-precision
// ones (tandem.local.dtype: fp32), 17 MB more.
//
// After packing, the .vsix is unpacked and its runtime packages are loaded, the bundled model's
// ONNX weights opened and a SQLite file written and read back, under Node 22 and Node 24.
//
// Usage: node scripts/package.mjs [--fp32] [--out <file.vsix>] [--keep-stage]
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, cleanNpmEnv, ensureTools, findNpmCli, installLocked, root, run } from './e2e-tools.mjs';

/** Only the target whose binaries .vscodeignore keeps. */
const TARGET = 'linux-x64';
/**
 * Dependencies that only their package's install script or build uses, never the running server:
 * prebuild-install and bindings (better-sqlite3 12's download and loader), node-addon-api
 * (better-sqlite3 13's C++ headers), global-agent and tar (onnxruntime-node's CUDA download);
 * onnxruntime-web is replaced by an empty module in transformers' Node build.
 */
const NOT_AT_RUN_TIME = new Set(['prebuild-install', 'bindings', 'node-addon-api', 'global-agent', 'tar', 'onnxruntime-web']);
const PACKAGING = join(root, 'scripts/packaging');
const PACKAGING_DIR = join(cacheDir, 'packaging');
/** Packages staged from somewhere else than the repository's node_modules. */
const SUBSTITUTES = {
  'better-sqlite3': join(PACKAGING_DIR, 'node_modules/better-sqlite3'),
  sharp: join(PACKAGING, 'sharp-stub'),
};

const { values: options } = parseArgs({
  options: {
    fp32: { type: 'boolean', default: false },
    out: { type: 'string' },
    'keep-stage': { type: 'boolean', default: false },
  },
});

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = options.out ?? join(root, `${manifest.name}-${manifest.version}.vsix`);
if (!existsSync(join(root, 'dist/server.js'))) throw new Error('dist/ is missing: run `npm run build` first.');

const tools = ensureTools();
const packaging = ensurePackagingRuntime();
const stage = mkdtempSync(join(tmpdir(), 'tandem-vsix-'));
try {
  stageExtension(stage);
  checkNoTestCode(join(stage, 'dist'));
  const roots = runtimeRequires(join(root, 'dist'));
  const packages = collectPackages(roots);
  for (const { from, to } of packages) copyPackage(from, join(stage, 'dist', to));
  console.log(`Staged ${packages.length} runtime packages for ${roots.join(', ')}.`);
  packageVsix(stage);
  checkPackedLoads(roots);
} finally {
  if (options['keep-stage']) console.log(`Staging folder kept: ${stage}`);
  else rmSync(stage, { recursive: true, force: true });
}

/** better-sqlite3 13 and Node 22 from scripts/packaging/, installed by Node 24's npm (13 wants Node >= 22). */
function ensurePackagingRuntime() {
  installLocked(join(PACKAGING, 'package.json'), PACKAGING_DIR, [], () => {
    const env = { ...cleanNpmEnv(), PATH: `${dirname(tools.node24)}:${process.env.PATH ?? ''}` };
    run(tools.node24, [findNpmCli(), 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PACKAGING_DIR, env });
  });
  return { node22: join(PACKAGING_DIR, 'node_modules/node22/bin/node') };
}

function stageExtension(stageDir) {
  for (const file of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(stageDir, file));
  }
  for (const dir of ['dist', 'media']) cpSync(join(root, dir), join(stageDir, dir), { recursive: true });
  // The sources `Tandem: Run Benchmark` (dist/cli.js bench) cuts prompts from and executes.
  for (const dir of ['test/fixtures/heldout', 'test/fixtures/bench-functions']) {
    if (existsSync(join(root, dir))) cpSync(join(root, dir), join(stageDir, dir), { recursive: true });
  }
  for (const name of readdirSync(join(root, 'models'))) {
    if (!name.startsWith('tandem-')) continue;
    cpSync(join(root, 'models', name), join(stageDir, 'models', name), {
      recursive: true,
      filter: (src) => options.fp32 || !isFullPrecisionOnnx(src),
    });
  }
}

/** transformers.js names q8 weights `*_quantized.onnx` and fp32 ones plain `*.onnx`. */
function isFullPrecisionOnnx(file) {
  return file.endsWith('.onnx') && !file.endsWith('_quantized.onnx');
}

/**
 * Fails when a bundle inlined test code: esbuild heads each inlined module with a `// <path>`
 * comment, so a `// test/...` line means product code imported from test/ (the lint rules forbid
 * it; this catches what they cannot, like a re-export through a shared file).
 */
function checkNoTestCode(distDir) {
  for (const file of readdirSync(distDir).filter((name) => name.endsWith('.js'))) {
    const inlined = readFileSync(join(distDir, file), 'utf8').match(/^\/\/ test\/\S+/gm);
    if (inlined) throw new Error(`dist/${file} contains test code: ${[...new Set(inlined)].join(', ')}.`);
  }
}

/** Package names the bundles require() at run time (everything else esbuild inlined). */
function runtimeRequires(distDir) {
  const names = new Set();
  for (const file of readdirSync(distDir).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(join(distDir, file), 'utf8');
    for (const [, specifier = ''] of code.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);
      if (!isBuiltin(specifier) && name !== 'vscode' && !NOT_AT_RUN_TIME.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * The package directories `roots` need, resolved the way Node resolves them, each with where it
 * goes under dist/: `from` is the installed package (or its substitute), `to` its place.
 */
function collectPackages(roots) {
  const found = new Map();
  const visit = (name, fromDir, optional) => {
    if (NOT_AT_RUN_TIME.has(name)) return;
    const substitute = SUBSTITUTES[name];
    const dir = substitute ?? resolvePackageDir(name, fromDir);
    if (!dir || !existsSync(join(dir, 'package.json'))) {
      if (optional) return; // another platform's binary, not installed here
      throw new Error(`${name} (needed by ${relative(root, fromDir) || 'dist'}) is not installed: run npm install.`);
    }
    if (found.has(dir)) return;
    found.set(dir, substitute ? join('node_modules', name) : relative(root, dir));
    // A substitute's own dependencies resolve from the top, like everything it replaced.
    const depsFrom = substitute ? root : dir;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, depsFrom, Boolean(pkg.optionalDependencies?.[dep]));
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, depsFrom, true);
  };
  for (const name of roots) visit(name, root, false);
  return [...found].map(([from, to]) => ({ from, to })).sort((a, b) => a.to.localeCompare(b.to));
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

function packageVsix(stageDir) {
  const args = [
    'package',
    '--no-dependencies',
    '--target',
    TARGET,
    '--out',
    out,
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
  ];
  if (!existsSync(join(stageDir, 'LICENSE'))) args.push('--skip-license');
  run(process.execPath, [tools.vsce, ...args], { cwd: stageDir });
}

/**
 * Unpacks the .vsix, checks what it holds, and loads every runtime package from it under Node 22
 * and Node 24 (two Node-API hosts: the closest this machine gets to desktop VS Code's Electron).
 */
function checkPackedLoads(roots) {
  const unpacked = mkdtempSync(join(tmpdir(), 'tandem-vsix-check-'));
  try {
    run('python3', ['-m', 'zipfile', '-e', out, unpacked]);
    const extensionDir = join(unpacked, 'extension');
    checkTreeSitter(extensionDir);
    checkContents(extensionDir);
    for (const node of [packaging.node22, tools.node24]) checkLoads(extensionDir, roots, node);
    report(extensionDir);
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

/** The tree-sitter runtime and grammars the completion filters parse with must ship. */
function checkTreeSitter(extensionDir) {
  const dir = join(extensionDir, 'dist/tree-sitter');
  const wanted = readdirSync(join(root, 'dist/tree-sitter')).filter((name) => name.endsWith('.wasm'));
  const missing = wanted.filter((name) => !existsSync(join(dir, name)));
  if (wanted.length === 0 || missing.length > 0) throw new Error(`The .vsix lacks tree-sitter files: ${missing.join(', ') || 'all'}.`);
}

/** No libvips, and fp32 weights only when asked for. */
function checkContents(extensionDir) {
  const files = listFiles(extensionDir).map((file) => relative(extensionDir, file));
  const unwanted = files.filter((file) => /(^|\/)@img\/|libvips/.test(file) || (!options.fp32 && isFullPrecisionOnnx(file)));
  if (unwanted.length > 0) throw new Error(`The .vsix holds files it should not: ${unwanted.join(', ')}.`);
}

function checkLoads(extensionDir, roots, node) {
  const model = join(extensionDir, 'models/tandem-complete-mini/onnx/model_quantized.onnx');
  const script = `
    const { mkdtempSync, rmSync } = require('node:fs');
    const { join } = require('node:path');
    const { tmpdir } = require('node:os');
    const Database = require('better-sqlite3');
    // A file database written, closed and read back: the round trip the cache and metrics do.
    const dir = mkdtempSync(join(tmpdir(), 'tandem-sqlite-'));
    try {
      let db = new Database(join(dir, 'check.db'));
      db.exec('create table t (v text)');
      db.prepare('insert into t values (?)').run('round trip');
      // Many short-lived statements, so garbage collection finalizes some.
      for (let i = 0; i < 2000; i++) db.prepare('select ' + i).get();
      db.close();
      db = new Database(join(dir, 'check.db'), { readonly: true });
      const { v } = db.prepare('select v from t').get();
      if (v !== 'round trip') throw new Error('SQLite read back ' + v);
      const sqlite = db.prepare('select sqlite_version() as v').get().v;
      db.close();
      for (const name of ${JSON.stringify(roots)}) require(name);
      const ort = require('onnxruntime-node');
      ort.InferenceSession.create(${JSON.stringify(model)}).then((session) => {
        console.log('Node ' + process.version + ': loads ' + ${JSON.stringify(roots.join(', '))} + '; SQLite ' + sqlite + ' file round trip; ONNX model inputs ' + session.inputNames.length + '.');
      }).catch((error) => { console.error(error); process.exitCode = 1; });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  `;
  run(node, ['-e', script], { cwd: join(extensionDir, 'dist') });
}

/** Size and the ten largest files, compressed, for the record. */
function report(extensionDir) {
  const megabytes = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const largest = listFiles(extensionDir)
    .map((file) => ({ file: relative(extensionDir, file), size: statSync(file).size }))
    .sort((a, b) => b.size - a.size)
    .slice(0, 10);
  console.log(
    `Wrote ${relative(process.cwd(), out) || basename(out)} (${megabytes(statSync(out).size)} MB) for ${TARGET}${options.fp32 ? ', with fp32 weights' : ''}. Largest files (unpacked MB):`,
  );
  for (const { file, size } of largest) console.log(`  ${megabytes(size).padStart(5)}  ${file}`);
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
