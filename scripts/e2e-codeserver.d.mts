/** Types of e2e-codeserver.mjs, for the TypeScript end-to-end tests. */

/** What scripts/e2e-setup.mjs writes to .e2e-cache/e2e-env.json. */
export interface E2eEnv {
  /** Node 24, the runtime code-server (and so Tandem's server) runs on. */
  node: string;
  codeServerEntry: string;
  chromium: string;
  vsix: string;
  /** publisher.name */
  extensionId: string;
}

export interface IsolatedDirs {
  userDataDir: string;
  extensionsDir: string;
}

export interface CodeServerOptions extends IsolatedDirs {
  port?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
  onOutput?: (text: string) => void;
}

export interface RunningCodeServer {
  url: string;
  port: number;
  pid: number;
  output(): string;
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function readE2eEnv(): E2eEnv;
export function installExtension(env: E2eEnv, options: IsolatedDirs & { vsix: string }): string;
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void;
export function writeMachineSettings(userDataDir: string, settings: Record<string, unknown>): void;
export function startCodeServer(env: E2eEnv, options: CodeServerOptions): Promise<RunningCodeServer>;
