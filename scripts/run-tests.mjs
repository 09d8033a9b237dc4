// Runs node's built-in test runner with TypeScript through tsx (Node 20 has no glob support in
// `node --test`, so this script finds the *.test.ts files).
//
//   node scripts/run-tests.mjs unit|server|smoke|bench   one layer, its files in ONE process
//   node scripts/run-tests.mjs FOLDER|FILE ...           one process per file, one file at a time
//
// A layer runs in one process (scripts/test-layer-entry.mjs imports every file) because nearly
// all of the unit layer's time used to be a tsx process starting per file, and the server layer's
// files each loaded the bundled model again. Files therefore share module state: tests must not
// depend on which file ran before them (support/loadExtensionWithFakeVscode.ts gives each file a
// fresh extension; servers and timers are closed by the test that started them, which the entry
// checks after the last test). Layers run one file at a time: several server tests load the local
// model, time requests, and two cores are all CI has.
//
// The per-file mode keeps each file apart (the e2e and packaging suites, or a file to debug alone).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/**
 * The layers `npm test` runs (unit, server, smoke) and the benchmark runner's, which CI runs with
 * `npm run test:bench`: real end-to-end benchmark runs, over a minute together, that exercise the
 * benchmark tooling rather than the product. `isolated`: one process per file (the engines
 * scenario needs its own: onnxruntime-node aborts a process whose worker thread runs a session
 * after the main thread's did).
 */
const BENCH = [
  'test/server/benchRunner.test.ts',
  'test/server/benchScenarios.test.ts',
  'test/unit/benchEngines.test.ts',
  'test/unit/benchEnginesScenario.test.ts',
];
const SMOKE = ['test/server/stdio.test.ts'];
const LAYERS = {
  // Pure logic, and the extension against a fake `vscode`. `beside`: files run by a second process
  // at the same time as the first: the two slowest, whose tests mostly wait (the benchmark's
  // Python sandbox in subprocesses, real routing deadlines) rather than use a core.
  unit: { include: ['test/unit'], exclude: BENCH, beside: ['test/unit/benchScenarios.test.ts', 'test/unit/deadlineFallback.test.ts'] },
  // The server in-process and over real sockets, fake offload servers, the real local model.
  server: { include: ['test/server'], exclude: [...SMOKE, ...BENCH] },
  // The stdio server with a real LSP client: one completion and one explanation on the bundled model.
  smoke: { include: SMOKE },
  bench: { include: BENCH, isolated: true },
};

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...collect(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const expand = (paths) => paths.flatMap((path) => (statSync(path).isDirectory() ? collect(path) : [path]));

const args = process.argv.slice(2);
if (args.length === 0) args.push('test/unit', 'test/server');
const layer = args.length === 1 ? LAYERS[args[0]] : undefined;

const status = layer ? await runLayer(args[0], layer) : runEachFile(expand(args));
process.exit(status);

async function runLayer(name, { include, exclude = [], isolated = false, beside = [] }) {
  const excluded = new Set(exclude.map((path) => resolve(path)));
  const files = expand(include.filter((path) => existsSync(path)))
    .map((path) => resolve(path))
    .filter((path) => !excluded.has(path));
  if (files.length === 0) throw new Error(`No test files in layer ${name}`);
  if (isolated) return runEachFile(files);
  const besidePaths = beside.map((path) => resolve(path));
  const second = files.filter((file) => besidePaths.some((path) => file === path || file.startsWith(path + sep)));
  const first = files.filter((path) => !second.includes(path));
  if (second.length === 0) return runInOneProcess(first, 'inherit');
  // Two processes at once, each printing its report whole when it ends (interleaved lines would
  // be unreadable).
  const statuses = await Promise.all([runInOneProcess(first, 'pipe'), runInOneProcess(second, 'pipe')]);
  return statuses.find((code) => code !== 0) ?? 0;
}

/** Resolves to the exit status of one process that runs the given files (test-layer-entry.mjs). */
function runInOneProcess(files, stdio) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', 'scripts/test-layer-entry.mjs'],
    { stdio: ['ignore', stdio, stdio], env: { ...process.env, TANDEM_TEST_FILES: JSON.stringify(files) } },
  );
  const output = [];
  child.stdout?.on('data', (chunk) => output.push(chunk));
  child.stderr?.on('data', (chunk) => output.push(chunk));
  return new Promise((done) => {
    child.on('close', (code) => {
      if (output.length > 0) process.stdout.write(Buffer.concat(output));
      done(code ?? 1);
    });
  });
}

function runEachFile(files) {
  const result = spawnSync(
    process.execPath,
    // --test-force-exit: a file's process ends when its tests have, not when its last handle
    // closes. In-process servers are stopped with `shutdown` only (an `exit` notification makes
    // vscode-languageserver call process.exit, which ended files early and skipped later tests);
    // leaked handles are the fault suite's job to find, with a test that names them.
    ['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { stdio: 'inherit' },
  );
  return result.status ?? 1;
}
