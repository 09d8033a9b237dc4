/**
 * The probe against the fake server in each flavor: which engine, which model, native FIM or
 * not, and a loading server shown as warming up rather than as a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepAliveFetch } from '../../server/src/backends/offload/keepAliveFetch';
import { probeServer } from '../../server/src/backends/offload/probe';
import { FakeOpenAIServer, type FakeServerFlavor } from '../support/fakeOpenAIServer';
import { activeHandles, assertNoLeaks, withBackend } from '../support/offloadHarness';

async function probeFlavor(flavor: FakeServerFlavor, configuredModel = '') {
  const before = activeHandles();
  const server = await FakeOpenAIServer.start({ flavor });
  const http = new KeepAliveFetch();
  try {
    return await probeServer({
      baseUrl: server.baseUrl,
      apiKey: '',
      configuredModel,
      fetch: http.fetch,
      timeoutMs: 2000,
      signal: new AbortController().signal,
    });
  } finally {
    await http.close();
    await server.close();
    assertNoLeaks(before);
  }
}

describe('offload probe', () => {
  const cases: Array<[FakeServerFlavor, string, boolean]> = [
    ['vllm', 'vllm', false],
    ['llamacpp', 'llamacpp', false],
    ['ollama', 'ollama', true],
    ['tgi', 'tgi', false],
    ['openai', 'openai', true],
  ];
  for (const [flavor, kind, nativeSuffix] of cases) {
    it(`recognises ${flavor} and whether it takes a native suffix`, async () => {
      const result = await probeFlavor(flavor);
      assert.equal(result.state, 'ready');
      assert.equal(result.serverKind, kind);
      assert.equal(result.nativeSuffix, nativeSuffix);
      assert.equal(result.model, result.models[0]);
      assert.ok(result.detail.includes(result.model));
    });
  }

  it('uses the configured model when the server lists it, and reports down when it does not', async () => {
    const listed = await probeFlavor('vllm', 'codellama/CodeLlama-7b-Instruct-hf');
    assert.equal(listed.state, 'ready');
    const missing = await probeFlavor('vllm', 'gpt-nothing');
    assert.equal(missing.state, 'down');
    assert.match(missing.detail, /does not serve "gpt-nothing"/);
  });

  it('shows a loading server as warming-up, and the backend recovers when it is ready', async () => {
    await withBackend({ server: { flavor: 'llamacpp' } }, async ({ server, backend }) => {
      server.setLoading(true);
      const warming = await backend.probe();
      assert.equal(warming.state, 'warming-up');
      assert.equal(backend.status().state, 'warming-up');
      assert.equal(backend.isAvailable('completion'), false, 'a warming server is skipped, not failed');
      server.setLoading(false);
      const ready = await backend.probe();
      assert.equal(ready.state, 'ready');
      assert.equal(backend.isAvailable('completion'), true);
    });
  });

  it('shows a server that answers the listing but not a first generation in time as warming-up', async () => {
    await withBackend({ config: { timeoutMs: 150 } }, async ({ server, backend }) => {
      server.setMode({ kind: 'slow-first-byte', delayMs: 60_000 });
      const result = await backend.probe();
      assert.equal(result.state, 'warming-up');
      server.setMode(undefined);
    });
  });

  it('resolves the model from the listing before the first request when none is configured', async () => {
    await withBackend({ server: { models: ['deepseek-coder-6.7b-base', 'other'] } }, async ({ backend }) => {
      assert.equal(backend.model, 'deepseek-coder-6.7b-base');
      assert.equal(backend.fimTemplate, 'deepseek');
      assert.equal(backend.status().model, 'deepseek-coder-6.7b-base');
    });
  });
});
