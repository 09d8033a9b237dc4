/**
 * The whole server in this process, behind a real LSP connection over in-memory streams, with
 * a fresh storage directory and the OpenAI-compatible test server on 127.0.0.1 as offload.
 * `settings` are sent as `workspace/didChangeConfiguration`; `open` waits until offload is ready.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TandemLspClient } from '../../server/src/demo/lspClient';
import { startServer } from '../../server/src/lspServer';
import { FakeOpenAIServer } from './fakeOpenAIServer';

export interface InProcessServer {
  client: TandemLspClient;
  offload: FakeOpenAIServer;
  logs: string[];
  close(): Promise<void>;
}

/**
 * `initialSettings`: sent in initializationOptions, for settings that only apply at start
 * (cache, local models); `settings` follow as a configuration change.
 */
export async function startInProcessServer(settings: (offloadUrl: string) => unknown, initialSettings?: unknown): Promise<InProcessServer> {
  const offload = await FakeOpenAIServer.start({ flavor: 'vllm' });
  const storage = mkdtempSync(join(tmpdir(), 'tandem-inproc-'));
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const logs: string[] = [];
  startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  const client = await TandemLspClient.connect(toClient, toServer, {
    initializationOptions: { storagePath: storage, ...(initialSettings === undefined ? {} : { settings: initialSettings }) },
    onLog: (line) => logs.push(line),
  });
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { tandem: settings(offload.baseUrl) } });
  await waitFor('offload ready', async () => {
    const status = await client.status();
    return status.backends.find((b) => b.backend === 'offload' && b.state === 'ready');
  });
  return {
    client,
    offload,
    logs,
    close: async () => {
      await client.stop();
      await offload.close();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Two small functions the in-process tests complete and explain. */
export const TS_CODE = `export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export function average(values: number[]): number {
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return total / values.length;
}
`;
