/**
 * Test harness for the offload backend: a fake server plus a backend pointed at it, torn down
 * after each test with a check that no socket, server or timer was left behind.
 */
import assert from 'node:assert/strict';
import { collect, type GenerateRequest } from '../../server/src/backends/backend';
import { OffloadBackend, type OffloadBackendOptions, type OffloadSettings } from '../../server/src/backends/offload/offloadBackend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { FakeOpenAIServer, type FakeOpenAIServerOptions } from './fakeOpenAIServer';

/** The handle kinds a leak would show up as. */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'] as const;

export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

export function assertNoLeaks(before: Record<string, number>): void {
  const after = activeHandles();
  for (const kind of WATCHED) {
    assert.ok((after[kind] ?? 0) <= (before[kind] ?? 0), `leaked ${kind}: before ${before[kind] ?? 0}, after ${after[kind] ?? 0}`);
  }
}

export interface Harness {
  server: FakeOpenAIServer;
  backend: OffloadBackend;
}

export interface HarnessOptions {
  server?: FakeOpenAIServerOptions;
  config?: Partial<OffloadSettings>;
  backend?: Partial<OffloadBackendOptions>;
}

/**
 * Runs `body` with a fake server and a probed backend (timeout 2 s, no retries unless the test
 * asks, millisecond backoff), then disposes both and asserts no handles leaked.
 */
export async function withBackend(options: HarnessOptions, body: (harness: Harness) => Promise<void>): Promise<void> {
  const before = activeHandles();
  const server = await FakeOpenAIServer.start(options.server);
  const backend = new OffloadBackend({
    config: { ...DEFAULT_CONFIG.offload, url: server.baseUrl, timeoutMs: 2000, maxRetries: 0, ...options.config },
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options.backend,
  });
  try {
    await backend.probe();
    await body({ server, backend });
  } finally {
    await backend.dispose();
    await server.close();
  }
  assertNoLeaks(before);
}

export function completionRequest(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { task: 'completion', prompt: 'def add(a, b):\n    ', maxTokens: 64, temperature: 0, stop: [], ...overrides };
}

export function explainRequest(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    task: 'explain',
    prompt: 'const x = 1;',
    messages: [
      { role: 'system', content: 'You explain code.' },
      { role: 'user', content: 'Explain: const x = 1;' },
    ],
    maxTokens: 128,
    temperature: 0,
    stop: [],
    ...overrides,
  };
}

export function run(backend: OffloadBackend, request: GenerateRequest, signal = new AbortController().signal) {
  return collect(backend.generate(request, signal));
}

/** The streamed generation requests the server received (the probe's FIM check is not streamed). */
export function streamedBodies(server: FakeOpenAIServer): Array<Record<string, unknown>> {
  return server
    .generationRequests()
    .map((request) => request.body ?? {})
    .filter((body) => body.stream === true);
}

/** Waits until `condition` holds (polling every few ms), failing after `limitMs`. Not a timing assertion. */
export async function eventually(condition: () => boolean, limitMs = 2000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
