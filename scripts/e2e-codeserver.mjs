// Starts code-server with the Tandem .vsix installed, for the end-to-end tests and `npm run try`.
// Everything it writes (user data, extensions, logs) goes into the folders the caller names, so
// runs never share state with each other or with the user's own code-server.
// Types for TypeScript callers: e2e-codeserver.d.mts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The paths scripts/e2e-setup.mjs wrote. */
export function readE2eEnv() {
  const file = join(root, '.e2e-cache/e2e-env.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${file}: run \`node scripts/e2e-setup.mjs\` first.`, { cause: error });
  }
}

/** `code-server --install-extension`, into the given extensions and user-data folders. */
export function installExtension(env, { vsix, userDataDir, extensionsDir }) {
  const result = spawnSync(
    env.node,
    [env.codeServerEntry, ...isolationArgs(userDataDir, extensionsDir), '--install-extension', vsix, '--force'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`Installing ${vsix} into code-server failed:\n${result.stdout}${result.stderr}`);
  }
  return `${result.stdout}${result.stderr}`.trim();
}

/** Writes the user settings code-server reads at start. */
export function writeUserSettings(userDataDir, settings) {
  writeSettingsFile(join(userDataDir, 'User'), settings);
}

/**
 * Writes code-server's machine ("Remote") settings. VS Code reads settings with `machine` scope,
 * such as `tandem.offload.url`, only from here in a remote window, which code-server's is.
 */
export function writeMachineSettings(userDataDir, settings) {
  writeSettingsFile(join(userDataDir, 'Machine'), settings);
}

function writeSettingsFile(dir, settings) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/**
 * Starts code-server on 127.0.0.1 (a free port unless one is given), without authentication,
 * telemetry or update checks, and resolves once it answers /healthz.
 */
export async function startCodeServer(env, options) {
  const port = options.port ?? (await freePort());
  const args = [
    env.codeServerEntry,
    ...isolationArgs(options.userDataDir, options.extensionsDir),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // Lets Tandem use the inline-completion events API proposal (shown and partial accepts).
    '--enable-proposed-api',
    env.extensionId,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(env.node, args, {
    // Its own process group, so stop() ends the extension host and Tandem's server with it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.env ?? {}) },
  });
  let output = '';
  const collect = (data) => {
    output += data.toString();
    options.onOutput?.(data.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited during start-up:\n${output}`);
    if (await answers(`${url}/healthz`)) break;
    if (Date.now() > deadline) {
      killGroup(child.pid, 'SIGKILL');
      throw new Error(`code-server did not answer on ${url} within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await delay(250);
  }

  return {
    url,
    port,
    pid: child.pid,
    output: () => output,
    /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // Stragglers in the group (the extension host's children) go too.
      killGroup(child.pid, 'SIGKILL');
      return result;
    },
  };
}

function isolationArgs(userDataDir, extensionsDir) {
  // An empty config file of its own: code-server otherwise writes ~/.config/code-server/config.yaml.
  const config = join(userDataDir, 'code-server.yaml');
  mkdirSync(userDataDir, { recursive: true });
  writeFileSync(config, '');
  return ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}
