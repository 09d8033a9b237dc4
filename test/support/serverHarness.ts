/**
 * Starts the built server (dist/server.js) over stdio with a real LSP client and a temporary
 * storage directory; `npm test` builds first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TandemLspClient } from '../../server/src/demo/lspClient';

export const ROOT = join(__dirname, '../..');
export const SERVER = join(ROOT, 'dist/server.js');

export interface Harness {
  client: TandemLspClient;
  storage: string;
  logs: string[];
  close(): Promise<number | null>;
}

export async function startServer(settings: unknown = {}, extra: { offloadApiKey?: string } = {}): Promise<Harness> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first (npm test does).`);
  const storage = mkdtempSync(join(tmpdir(), 'tandem-test-'));
  const logs: string[] = [];
  const client = await TandemLspClient.start({
    serverPath: SERVER,
    initializationOptions: { settings, storagePath: storage, ...extra },
    onLog: (line) => logs.push(line),
  });
  return {
    client,
    storage,
    logs,
    close: async () => {
      const code = await client.stop();
      rmSync(storage, { recursive: true, force: true });
      return code;
    },
  };
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export const fileUri = (name: string) => `file:///workspace/${name}`;
