/**
 * One Tandem server in this process, behind a real LSP connection over in-memory streams (as
 * test/support/inProcessServer.ts, which is tied to the healthy fake server), shared by every
 * cell of the fault matrix: the bundled local model loads once. A cell points the server at a
 * fresh fault server (a new offload URL builds a new offload backend with a closed breaker and
 * disposes the old one) and sets the policy with `workspace/didChangeConfiguration`.
 *
 * The answer cache is off so that every request reaches the router; each cell also opens its
 * own document, so typing-along memory from an earlier cell cannot answer either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection, ProposedFeatures, ShutdownRequest, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TandemLspClient } from '../../server/src/demo/lspClient';
import { startServer } from '../../server/src/lspServer';
import type { RoutingPolicy, ServerStatus } from '../../server/src/protocol';

/** The settings the matrix runs under: shipped defaults except what keeps the suite short. */
export const MATRIX_SETTINGS = {
  cache: { enabled: false },
  completion: { maxTokens: 16 },
  explain: { maxTokens: 24, timeoutMs: 10_000 },
};

/** The shipped completion deadline (tandem.completion.timeoutMs): the matrix keeps it. */
export const COMPLETION_DEADLINE_MS = 4000;
export const EXPLAIN_DEADLINE_MS = MATRIX_SETTINGS.explain.timeoutMs;

export interface TandemUnderTest {
  client: TandemLspClient;
  logs: string[];
  storage: string;
  /** Policy and offload URL for the next cell; resolves once the offload backend is in `expect`
   * ('disabled': none, for an empty URL). */
  configure(policy: RoutingPolicy, offloadUrl: string, expect: 'ready' | 'down' | 'disabled'): Promise<void>;
  offloadStatus(): Promise<ServerStatus['backends'][number] | undefined>;
  /** LSP `shutdown` (the runtime disposes everything it holds); a second call does nothing. */
  close(): Promise<void>;
}

/** Polls `probe` every 50 ms until it returns a value; fails after `limitMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  const end = performance.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * vscode-languageserver starts a 3 s parent-process watchdog (a setInterval it never clears) when
 * `initialize` carries a processId, which TandemLspClient always sends. In-process, that interval
 * would keep the test process alive for ever and hide real leaks among the timers, so the ones
 * created by that library while initializing are noted here and cleared at close. Nothing else
 * is touched: a timer Tandem leaves behind still shows.
 */
async function captureLibraryWatchdog<T>(body: () => Promise<T>): Promise<{ value: T; watchdogs: NodeJS.Timeout[] }> {
  const watchdogs: NodeJS.Timeout[] = [];
  const original = globalThis.setInterval;
  const capturing = ((...args: Parameters<typeof setInterval>) => {
    const timer = original(...args);
    if (/vscode-languageserver[\\/]lib[\\/]node[\\/]main/.test(new Error().stack ?? '')) watchdogs.push(timer);
    return timer;
  }) as typeof setInterval;
  globalThis.setInterval = capturing;
  try {
    return { value: await body(), watchdogs };
  } finally {
    globalThis.setInterval = original;
  }
}

export async function startTandemUnderTest(apiKey: string): Promise<TandemUnderTest> {
  const storage = mkdtempSync(join(tmpdir(), 'tandem-faults-'));
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const logs: string[] = [];
  startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  // The key reaches the server the way the extension hands it over: the server's environment,
  // read at `initialize` (the server runs in this process, so this process's environment).
  process.env.TANDEM_OFFLOAD_API_KEY = apiKey;
  const { value: client, watchdogs } = await captureLibraryWatchdog(() =>
    TandemLspClient.connect(toClient, toServer, {
      initializationOptions: { storagePath: storage, settings: MATRIX_SETTINGS },
      onLog: (line) => logs.push(line),
    }),
  );
  await waitUntil(
    'the local model',
    async () => {
      const status = await client.status();
      return status.backends.find((b) => b.backend === 'local' && b.state === 'ready');
    },
    60_000,
  );
  let urlNow = '';
  let closed = false;
  const offloadStatus = async () => (await client.status()).backends.find((b) => b.backend === 'offload');
  return {
    client,
    logs,
    storage,
    offloadStatus,
    configure: async (policy, offloadUrl, expect) => {
      const settings = { ...MATRIX_SETTINGS, routing: { policy }, offload: { url: offloadUrl } };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { tandem: settings } });
      urlNow = offloadUrl;
      await waitUntil(
        `offload ${expect} at ${urlNow}`,
        async () => {
          const status = await offloadStatus();
          if (expect === 'disabled') return status === undefined || status.state === 'disabled' ? true : undefined;
          return status?.state === expect ? status : undefined;
        },
        20_000,
      );
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // `shutdown` disposes the runtime; `exit` (or ending the input stream) would make
      // vscode-languageserver call process.exit, ending the test run with it.
      await client.connection.sendRequest(ShutdownRequest.type);
      client.connection.dispose();
      for (const timer of watchdogs) clearInterval(timer);
      delete process.env.TANDEM_OFFLOAD_API_KEY;
      rmSync(storage, { recursive: true, force: true });
    },
  };
}
