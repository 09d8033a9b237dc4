/**
 * Loads Tandem's extension entry with `vscode` resolved to support/fakeVscode.cjs, for tests
 * that run the client in plain Node. Must run before anything else requires `vscode`.
 */
import Module, { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type * as ExtensionModule from '../../../../extension/src/extension';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fake is untyped JS by design */
export interface LoadedExtension {
  vscode: any;
  fake: any;
  extension: typeof ExtensionModule;
}

const fakeVscodePath = join(__dirname, 'fakeVscode.cjs');
const extensionSources = join(__dirname, '..', '..', '..', '..', 'extension', 'src') + sep;
const languageClientPackage = `${sep}node_modules${sep}vscode-languageclient${sep}`;

/** Resolves `vscode` to the fake; installed once per process, however many files load it. */
let resolvingVscode = false;
function resolveVscodeToFake(): void {
  if (resolvingVscode) return;
  resolvingVscode = true;
  const internals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    return request === 'vscode' ? fakeVscodePath : resolveFilename.call(this, request, ...rest);
  };
}

/**
 * Every call gets a fresh fake and a fresh copy of the extension and vscode-languageclient (which
 * keep module state: the extension's client, the library's `vscode` import), so test files that
 * share a process (the unit layer runs in one) never see each other's settings, commands or
 * status bar items.
 */
export function loadExtensionWithFakeVscode(): LoadedExtension {
  resolveVscodeToFake();
  for (const path of Object.keys(require.cache)) {
    if (path === fakeVscodePath || path.startsWith(extensionSources) || path.includes(languageClientPackage)) delete require.cache[path];
  }
  const load = createRequire(__filename);
  const vscode = load('vscode') as any;
  return { vscode, fake: vscode.__fake, extension: load('../../../../extension/src/extension') as typeof ExtensionModule };
}

/** A minimal ExtensionContext whose `dist/server.js` is the given script. */
export function fakeExtensionContext(vscode: any, storageDir: string, serverScript: string): any {
  const secrets = new Map<string, string>();
  const secretChanged = new vscode.EventEmitter();
  const root = join(__dirname, '..', '..', '..', '..');
  return {
    subscriptions: [] as { dispose(): void }[],
    secrets: {
      get: async (key: string) => secrets.get(key),
      store: async (key: string, value: string) => {
        secrets.set(key, value);
        secretChanged.fire({ key });
      },
      delete: async (key: string) => {
        secrets.delete(key);
        secretChanged.fire({ key });
      },
      onDidChange: secretChanged.event,
    },
    globalStorageUri: vscode.Uri.file(storageDir),
    extensionUri: vscode.Uri.file(root),
    asAbsolutePath: (relative: string) => (relative === 'dist/server.js' ? serverScript : join(root, relative)),
  };
}

/** Waits for a condition the client reaches asynchronously; the limit only guards against hangs. */
export async function until(what: string, condition: () => boolean, log: string[] = [], limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}. Client log:\n${log.slice(-15).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
