/**
 * Issue 15, "Done when": learned auto routing over LSP with the bundled local model and the
 * tests' OpenAI-compatible server. The simulated user accepts offload's answers and rejects the
 * local model's, so offload is learned to be the useful one for single- and multi-line
 * completions; then the endpoint is made slow (2 s to first token, over tandem.routing.maxTtftMs
 * 1000): both shapes move to local; made fast again: both move back.
 *
 * The bounds are request counts (decisions), not times. Evidence fades with a 3 s half-life
 * here (60 s by default) and requests come 500 ms apart, so that a backend left for being slow
 * is probed again within a few requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TandemLspClient } from '../../server/src/demo/lspClient';
import type { BackendId, CompletionItemData } from '../../server/src/protocol';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { startInProcessServer, TS_CODE, type InProcessServer } from '../support/inProcessServer';

const SLOW_FIRST_TOKEN_MS = 2000;
/** Requests allowed for each move (a stall is seen after 3 slow answers: the median of 5). */
const MAX_REQUESTS_TO_MOVE = 25;
/** A move counts once this many requests in a row went to the same backend. */
const SETTLED_RUN = 3;
/**
 * Requests come this far apart, as a typist's do (the evidence half-life is 3 s): back to back,
 * 25 local answers take under a second and a backend left for being slow would never be stale
 * enough to be probed again within the test.
 */
const PACE_MS = 500;

type Shape = 'never' | 'always';

function settings(url: string, multiline: Shape): unknown {
  return {
    routing: { policy: 'auto', objective: 'balanced', maxTtftMs: 1000, exploration: 0.5, evidenceHalfLifeSeconds: 3 },
    offload: { url, maxRetries: 0, timeoutMs: 60_000 },
    // A deadline far above the slow endpoint's 2 s, so slow answers arrive (and are measured).
    completion: { debounceMs: 0, timeoutMs: 30_000, multiline },
  };
}

describe('server in-process: learned auto routing follows the measurements', { timeout: 600_000 }, () => {
  let server: InProcessServer;
  let client: TandemLspClient;
  let offload: FakeOpenAIServer;
  let documents = 0;

  before(async () => {
    server = await startInProcessServer((url) => settings(url, 'never'), { cache: { enabled: false } });
    ({ client, offload } = server);
    offload.configure({ respond: () => 'value', firstTokenDelayMs: 0, tokenDelayMs: 0 });
  });

  after(async () => {
    await server?.close();
  });

  async function useShape(shape: Shape): Promise<void> {
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { tandem: settings(offload.baseUrl, shape) },
    });
  }

  /** One completion in a fresh document (no typing-along, no cache); the user's verdict follows. */
  async function completeOnce(): Promise<BackendId | undefined> {
    const uri = `file:///workspace/learned${documents++}.ts`;
    await client.open(uri, 'typescript', TS_CODE);
    const items = await client.complete(uri, 9, 2).result;
    const data = items[0]?.command?.arguments?.[0] as CompletionItemData | undefined;
    if (!data) return undefined;
    await client.didShow(data.requestId);
    if (data.backend === 'offload') await client.didAccept(data.requestId, data.insertTextLength);
    else await client.didReject(data.requestId);
    return data.backend;
  }

  /** Completes until SETTLED_RUN answers in a row came from `backend`; returns how many it took. */
  async function until(backend: BackendId, what: string, log: (line: string) => void): Promise<number> {
    const seen: string[] = [];
    let run = 0;
    for (let request = 1; request <= MAX_REQUESTS_TO_MOVE; request++) {
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      const answered = await completeOnce();
      seen.push(answered ?? '-');
      run = answered === backend ? run + 1 : 0;
      if (run >= SETTLED_RUN) {
        log(`${what}: ${request} requests (${seen.join(' ')})`);
        return request;
      }
    }
    const decisions = (await client.snapshot({ recent: 6 })).recent.map((row) => `${row.backend}: ${row.decision}`);
    assert.fail(
      `${what}: not settled on ${backend} within ${MAX_REQUESTS_TO_MOVE} requests (${seen.join(' ')}); last decisions:\n${decisions.join('\n')}`,
    );
  }

  for (const shape of ['never', 'always'] as const) {
    const name = shape === 'never' ? 'single-line' : 'multi-line';
    it(`${name}: offload while it is fast and accepted, local while it is slow, offload again when it recovers`, async (t) => {
      const log = (line: string) => t.diagnostic(line);
      await useShape(shape);
      offload.configure({ firstTokenDelayMs: 0 });
      await until('offload', `${name}, fast and accepted offload`, log);
      offload.configure({ firstTokenDelayMs: SLOW_FIRST_TOKEN_MS });
      const away = await until('local', `${name}, offload slow (2 s TTFT)`, log);
      assert.ok(away <= 3 + SETTLED_RUN + 2, `moved to local within ${away} requests`);
      offload.configure({ firstTokenDelayMs: 0 });
      await until('offload', `${name}, offload fast again`, log);
      const rows = (await client.snapshot({ recent: 5 })).recent;
      assert.ok(
        rows.some((row) => /^auto: offload \(p50 E2E \d+ ms/.test(row.decision)),
        `decisions say why: ${rows.map((row) => row.decision).join(' | ')}`,
      );
    });
  }
});
