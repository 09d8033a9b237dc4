// `npm run bench:llamacpp`: installs the benchmark's llama.cpp engine on demand, outside the
// project's dependencies. node-llama-cpp lists every platform build (CUDA, Vulkan, ARM…) as an
// optional dependency, 677 MB in all, of which one CPU build is used; as a devDependency every
// developer and CI run paid for all of them. Here: exactly node-llama-cpp and this machine's CPU
// package, into .bench-cache/llamacpp (gitignored), from the npm registry only (no GitHub, no
// build: --ignore-scripts skips node-llama-cpp's postinstall, the prebuilt binary is enough).
// server/src/bench/runner/enginesLlamaCppLoad.ts loads it from there.
//   node scripts/install-llamacpp.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keep in step with LLAMACPP_VERSION in server/src/bench/runner/enginesLlamaCppLoad.ts. */
const VERSION = '3.21.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = join(root, '.bench-cache', 'llamacpp');

/** node-llama-cpp's CPU build for this platform (its optionalDependencies' names). */
function platformPackage() {
  const names = {
    'linux-x64': 'linux-x64',
    'linux-arm64': 'linux-arm64',
    'linux-arm': 'linux-armv7l',
    'darwin-arm64': 'mac-arm64-metal',
    'darwin-x64': 'mac-x64',
    'win32-x64': 'win-x64',
    'win32-arm64': 'win-arm64',
  };
  const name = names[`${process.platform}-${process.arch}`];
  if (!name) throw new Error(`node-llama-cpp ships no prebuilt binary for ${process.platform}-${process.arch}.`);
  return `@node-llama-cpp/${name}`;
}

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function sizeOf(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

const binary = platformPackage();
const force = process.argv.includes('--force');
const started = Date.now();
if (!force && installedVersion('node-llama-cpp') === VERSION && installedVersion(binary) === VERSION) {
  console.log(`node-llama-cpp ${VERSION} and ${binary} are already in ${prefix} (--force reinstalls).`);
} else {
  mkdirSync(prefix, { recursive: true });
  // A manifest of its own, so npm treats the folder as the project and never walks up to ours.
  const manifest = join(prefix, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'tandem-bench-llamacpp', private: true }, null, 2)}\n`);
  const args = [
    'install',
    `node-llama-cpp@${VERSION}`,
    `${binary}@${VERSION}`,
    '--prefix',
    prefix,
    '--omit=optional',
    '--ignore-scripts',
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
  ];
  console.log(`npm ${args.join(' ')}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`npm install failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
  for (const pkg of ['node-llama-cpp', binary]) {
    if (installedVersion(pkg) !== VERSION) {
      console.error(`${pkg}@${VERSION} is not in ${prefix} after npm install.`);
      process.exit(1);
    }
  }
}
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const modules = join(prefix, 'node_modules');
console.log(
  `llama.cpp engine ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${mb(sizeOf(modules))} in ${prefix} ` +
    `(node-llama-cpp ${mb(sizeOf(join(modules, 'node-llama-cpp')))}, ${binary} ${mb(sizeOf(join(modules, binary)))}).`,
);
