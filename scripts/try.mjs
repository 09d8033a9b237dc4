// `npm run try`: code-server with the freshly packaged Tandem .vsix installed, on 127.0.0.1, so
// anyone can try Tandem in a browser, offline. User data (settings, Tandem's metrics) persists in
// .e2e-cache/try/ between runs; the workspace is a scratch copy of the held-out fixture files in
// the system's temporary folder (outside the repository, so lint and tsc never see it).
// Stop it with Ctrl+C.
//
// Usage: node scripts/try.mjs [--port 8123] [--folder DIR]
import { cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { installExtension, readE2eEnv, startCodeServer, writeUserSettings } from './e2e-codeserver.mjs';
import { cacheDir, root } from './e2e-tools.mjs';

const { values: options } = parseArgs({
  options: { port: { type: 'string', default: process.env.PORT ?? '8123' }, folder: { type: 'string' } },
});
const env = readE2eEnv();
const base = join(cacheDir, 'try');
const userDataDir = join(base, 'user-data');
const extensionsDir = join(base, 'extensions');
const folder = options.folder ? resolve(options.folder) : join(tmpdir(), 'tandem-try-workspace');
if (!options.folder && !existsSync(folder)) cpSync(join(root, 'test/fixtures/heldout'), folder, { recursive: true });

console.log(installExtension(env, { vsix: env.vsix, userDataDir, extensionsDir }));
if (!existsSync(join(userDataDir, 'User/settings.json'))) {
  writeUserSettings(userDataDir, {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'chat.disableAIFeatures': true,
  });
}

const server = await startCodeServer(env, { userDataDir, extensionsDir, port: Number(options.port) });
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
console.log(`
Tandem is running in code-server (VS Code in the browser), offline, on this machine only:

  ${url}

Open it in a browser, open a file and type: ghost text comes from the bundled local model; Tab
accepts it. F1 → "Tandem: Explain Selection" explains the selected code; the status bar item
(bottom right) opens the performance panel. To try an offload endpoint, put
"tandem.offload.url": "http://127.0.0.1:8000/v1" in the remote settings
(F1 → "Preferences: Open Remote Settings"): code-server reads machine-scoped settings there.

Press Ctrl+C to stop.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping code-server...');
    server.stop().then(() => process.exit(0));
  });
}
