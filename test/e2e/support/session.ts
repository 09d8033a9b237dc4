/**
 * One end-to-end session: a fresh code-server (own user data, extensions and workspace folders)
 * with the packaged .vsix installed, an OpenAI-compatible test server on 127.0.0.1 for the offload
 * steps, and Chromium driven by Playwright. Screenshots and logs go to test-results/e2e/.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  installExtension,
  readE2eEnv,
  startCodeServer,
  writeMachineSettings,
  writeUserSettings,
  type E2eEnv,
  type RunningCodeServer,
} from '../../../scripts/e2e-codeserver.mjs';
import { FakeOpenAIServer } from '../../support/fakeOpenAIServer';
import { readMetricsRows, tandemStorageDir } from './metricsDb';
import { findTypingSpots, type SpotRequest, type TypingSpot } from './spots';
import { Workbench } from './workbench';

export const ROOT = join(__dirname, '../../..');
export const ARTIFACTS = join(ROOT, 'test-results/e2e');
/** The report suite's artifacts (reports.e2e.test.ts), kept when a session clears its own. */
export const REPORT_ARTIFACTS = join(ARTIFACTS, 'reports');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Editor settings that keep other features from typing or popping up while the test types. */
const QUIET_EDITOR = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  // A folder the test made itself: trusted, so offload is allowed (Restricted Mode turns it off).
  'security.workspace.trust.enabled': false,
  'editor.inlineSuggest.enabled': true,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.parameterHints.enabled': false,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

/** Tandem's settings for the session, nested as the server reads them. */
export type TandemSettings = Record<string, Record<string, unknown>>;

export const LOCAL_ONLY: TandemSettings = {
  routing: { policy: 'local' },
  // The suite checks what the editor shows, not how fast: on a busy machine (another test suite
  // beside it) the local model took over the default 4 s and the ghost text never came.
  completion: { debounceMs: 50, timeoutMs: 20_000 },
};

export interface Session {
  env: E2eEnv;
  userDataDir: string;
  workspace: string;
  storageDir: string;
  codeServer: RunningCodeServer;
  browser: Browser;
  page: Page;
  workbench: Workbench;
  offloadServer: FakeOpenAIServer;
  spots: TypingSpot[];
  /** Replaces Tandem's user settings through VS Code's settings editor. */
  changeSettings(tandem: TandemSettings): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Fixture files the spots come from, by purpose. */
export const SPOT_FILES: SpotRequest[] = [
  { source: join(ROOT, 'test/fixtures/heldout/python/fractions.py'), languageId: 'python', count: 1, shape: 'next-line' },
  { source: join(ROOT, 'test/fixtures/heldout/typescript/utils.ts'), languageId: 'typescript', count: 1 },
  { source: join(ROOT, 'test/fixtures/heldout/python/shlex.py'), languageId: 'python', count: 2 },
  { source: join(ROOT, 'test/fixtures/heldout/python/textwrap.py'), languageId: 'python', count: 1, shape: 'block' },
];

export async function startSession(): Promise<Session> {
  const env = readE2eEnv();
  clearArtifacts();
  const base = mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
  const userDataDir = join(base, 'user-data');
  const extensionsDir = join(base, 'extensions');
  const workspace = join(base, 'workspace');

  installExtension(env, { vsix: env.vsix, userDataDir, extensionsDir });
  const serverPath = join(installedExtensionDir(extensionsDir), 'dist/server.js');
  const probe = { node: env.node, serverPath, settings: LOCAL_ONLY, storagePath: join(base, 'probe-storage') };
  const spots = await findTypingSpots(probe, SPOT_FILES);
  prepareWorkspace(workspace, spots);

  // The offload endpoint is configured from the start; the local-only policy keeps it unused
  // until step 4 switches the policy. The disk cache keeps text only when allowed: allowed here,
  // so the session also exercises the SQLite cache in code-server.
  const offloadServer = await FakeOpenAIServer.start({ flavor: 'vllm' });
  const fixedMachine = { 'tandem.offload.url': offloadServer.baseUrl, 'tandem.cache.persistText': true };
  const writeSettings = (tandem: TandemSettings) => {
    const { machine, user } = byScope(flatten(tandem));
    writeMachineSettings(userDataDir, { ...fixedMachine, ...machine });
    return user;
  };
  writeUserSettings(userDataDir, { ...QUIET_EDITOR, ...writeSettings(LOCAL_ONLY) });
  const codeServer = await startCodeServer(env, { userDataDir, extensionsDir });
  const browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // The workbench's and the webviews' console errors, kept with the logs (webview scripts fail
  // silently otherwise).
  const consoleLines: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      consoleLines.push(`[${message.type()}] ${message.location().url.split('?')[0]}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  let shot = 0;
  const workbench = new Workbench(page, env.extensionId);
  const storageDir = tandemStorageDir(userDataDir, env.extensionId);
  return {
    env,
    userDataDir,
    workspace,
    storageDir,
    codeServer,
    browser,
    page,
    workbench,
    offloadServer,
    spots,
    // Machine-scoped settings are read only from the Machine (Remote) settings in code-server's
    // remote window: those are written to that file (VS Code watches it), the rest typed into
    // the user settings as a person would.
    changeSettings: (tandem) =>
      workbench.replaceUserSettings({ ...QUIET_EDITOR, ...writeSettings(tandem) }, join(userDataDir, 'User/settings.json')),
    async screenshot(name) {
      shot += 1;
      const path = join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await codeServer.stop();
      await offloadServer.close();
      keepLogs(userDataDir, codeServer, consoleLines, storageDir);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Empties test-results/e2e/ of the previous session's screenshots and logs (not the report suite's). */
function clearArtifacts(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const entry of readdirSync(ARTIFACTS)) {
    const path = join(ARTIFACTS, entry);
    if (path !== REPORT_ARTIFACTS) rmSync(path, { recursive: true, force: true });
  }
}

/** Where code-server unpacked the .vsix (`<publisher>.<name>-<version>[-<target>]`). */
function installedExtensionDir(extensionsDir: string): string {
  const found = readdirSync(extensionsDir).find((name) => name.startsWith('tandem-dev.tandem-'));
  if (!found) throw new Error(`The .vsix is not installed in ${extensionsDir}.`);
  return join(extensionsDir, found);
}

/** Copies the fixtures into the workspace, each spot's line without the characters to type. */
function prepareWorkspace(workspace: string, spots: TypingSpot[]): void {
  mkdirSync(workspace, { recursive: true });
  for (const source of new Set(spots.map((spot) => spot.source))) {
    const lines = readFileSync(source, 'utf8').split('\n');
    for (const spot of spots.filter((candidate) => candidate.source === source)) {
      const line = lines[spot.line] ?? '';
      lines[spot.line] = line.slice(0, line.length - spot.typed.length);
    }
    writeFileSync(join(workspace, basename(source)), lines.join('\n'));
  }
}

/** Settings whose package.json scope is machine or application, by full key. */
const MACHINE_SCOPED = new Set(
  (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { scope?: string }> }[] };
    }
  ).contributes.configuration.flatMap((section) =>
    Object.entries(section.properties)
      .filter(([, property]) => property.scope === 'machine' || property.scope === 'application')
      .map(([key]) => key),
  ),
);

function byScope(flat: Record<string, unknown>): { machine: Record<string, unknown>; user: Record<string, unknown> } {
  const machine: Record<string, unknown> = {};
  const user: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) (MACHINE_SCOPED.has(key) ? machine : user)[key] = value;
  return { machine, user };
}

/** `{ routing: { policy } }` → `{ 'tandem.routing.policy': ... }`, the settings.json form. */
function flatten(tandem: TandemSettings): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [section, values] of Object.entries(tandem)) {
    for (const [key, value] of Object.entries(values)) flat[`tandem.${section}.${key}`] = value;
  }
  return flat;
}

/** code-server's output, the browser console and every extension-host log (Tandem's included). */
function keepLogs(userDataDir: string, codeServer: RunningCodeServer, consoleLines: string[], storageDir: string): void {
  const logs = join(ARTIFACTS, 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'metrics-rows.json'), `${JSON.stringify(readMetricsRows(storageDir), null, 2)}\n`);
  writeFileSync(join(logs, 'code-server.log'), codeServer.output());
  writeFileSync(join(logs, 'browser-console.log'), `${consoleLines.join('\n')}\n`);
  try {
    cpSync(join(userDataDir, 'logs'), join(logs, 'vscode'), { recursive: true });
  } catch {
    // No logs folder: code-server never got as far as opening a window.
  }
}

/** Tandem's output channel as the extension host wrote it ('' before it exists). */
export function readTandemLog(userDataDir: string, extensionId: string): string {
  const logs = join(userDataDir, 'logs');
  let text = '';
  try {
    for (const file of readdirSync(logs, { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith(join(extensionId, 'Tandem.log'))) text += readFileSync(join(logs, file), 'utf8');
    }
  } catch {
    return '';
  }
  return text;
}
