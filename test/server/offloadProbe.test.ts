/**
 * The probe against the fake server in each flavor: which engine, which model, native FIM or
 * not, and a loading server shown as warming up rather than as a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepAliveFetch } from '../../server/src/backends/offload/keepAliveFetch';
import { probeServer } from '../../server/src/backends/offload/probe';
import { FakeOpenAIServer, type FakeOpenAIServerOptions, type FakeServerFlavor } from '../support/fakeOpenAIServer';
import { activeHandles, assertNoLeaks, withBackend } from '../support/offloadHarness';

async function probeFlavor(flavor: FakeServerFlavor, configuredModel = '', options: FakeOpenAIServerOptions = {}) {
  const before = activeHandles();
  const server = await FakeOpenAIServer.start({ flavor, ...options });
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
  const cases: Array<[FakeServerFlavor, string, string]> = [
    ['vllm', 'vllm', 'template'],
    ['llamacpp', 'llamacpp', 'infill'],
    ['ollama', 'ollama', 'suffix'],
    ['tgi', 'tgi', 'template'],
    ['openai', 'openai', 'suffix'],
  ];
  for (const [flavor, kind, fim] of cases) {
    it(`recognises ${flavor} and how FIM reaches its model`, async () => {
      const result = await probeFlavor(flavor);
      assert.equal(result.state, 'ready');
      assert.equal(result.serverKind, kind);
      assert.equal(result.fim, fim);
      assert.equal(result.nativeSuffix, fim !== 'template');
      assert.equal(result.model, result.models[0]);
      assert.ok(result.detail.includes(result.model));
    });
  }

  it('never counts an accepted suffix as FIM: an unknown server that takes `suffix` gets the template', async () => {
    // A TGI-like listing (owned_by = id) from a server that answers 200 to `suffix`.
    const result = await probeFlavor('tgi', '', { nativeSuffix: true });
    assert.equal(result.fim, 'template');
  });

  it("uses llama.cpp's /infill only when its model has FIM tokens", async () => {
    const result = await probeFlavor('llamacpp', '', { infill: false });
    assert.equal(result.state, 'ready');
    assert.equal(result.fim, 'template');
  });

  it('reads the context window: llama.cpp meta.n_ctx, llama.cpp /props, vLLM max_model_len', async () => {
    assert.equal((await probeFlavor('llamacpp', '', { contextTokens: 512 })).contextTokens, 512);
    assert.equal((await probeFlavor('llamacpp', '', { contextTokens: 1024, advertiseContext: 'props-only' })).contextTokens, 1024);
    assert.equal((await probeFlavor('vllm')).contextTokens, 16384);
    assert.equal((await probeFlavor('llamacpp', '', { advertiseContext: false })).contextTokens, undefined);
    assert.equal((await probeFlavor('ollama')).contextTokens, undefined);
  });

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
