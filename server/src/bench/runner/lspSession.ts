/**
 * The real language server, in this process, behind a real LSP connection (the in-memory
 * streams an editor's client would otherwise reach over stdio): the cache and quality scenarios
 * measure what an editor gets, debounce, context building, filters, cache and routing included.
 * In-process rather than a spawned dist/server.js so the same code runs from the sources (tests)
 * and from dist/cli.js, and the process's CPU is the one the other scenarios measured.
 *
 * Routing is pinned to the measured backend (policy local or offload); the debounce is 0 (a
 * replay sends one request per keystroke and waits for it, the debounce would only add its
 * delay); the disk cache keeps answer text so a restarted server can hit its L2 tier.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import type { TandemConfig } from '../../config';
import { TandemLspClient } from '../../demo/lspClient';
import { startServer } from '../../lspServer';
import type { BackendId } from '../../protocol';

export interface LspSession {
  readonly client: TandemLspClient;
  /** Stops the server and starts a new one on the same storage (memory empty, disk kept). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const READY_POLL_MS = 50;
const READY_LIMIT_MS = 120_000;

export async function openLspSession(backend: BackendId, config: TandemConfig, signal: AbortSignal): Promise<LspSession> {
  const storage = mkdtempSync(join(tmpdir(), 'tandem-bench-lsp-'));
  const settings = {
    ...config,
    routing: { ...config.routing, policy: backend },
    completion: { ...config.completion, debounceMs: 0 },
    cache: { ...config.cache, enabled: true, persistText: true },
  };
  let client: TandemLspClient | undefined;
  const start = async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
    client = await TandemLspClient.connect(toClient, toServer, { initializationOptions: { settings, storagePath: storage } });
    await waitReady(client, backend, signal);
  };
  try {
    await start();
  } catch (error) {
    await client?.stop().catch(() => undefined);
    rmSync(storage, { recursive: true, force: true });
    throw error;
  }
  return {
    get client() {
      return client as TandemLspClient;
    },
    restart: async () => {
      await client?.stop();
      client = undefined;
      await start();
    },
    close: async () => {
      await client?.stop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

/** Until the measured backend reports ready (the local model loaded, the offload probe done). */
async function waitReady(client: TandemLspClient, backend: BackendId, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + READY_LIMIT_MS;
  for (;;) {
    signal.throwIfAborted();
    const status = await client.status();
    const state = status.backends.find((b) => b.backend === backend);
    if (state?.state === 'ready') return;
    if (performance.now() > deadline)
      throw new Error(
        `the language server's ${backend} backend is not ready: ${state ? `${state.state} ${state.detail ?? ''}` : 'not listed'}`,
      );
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}
