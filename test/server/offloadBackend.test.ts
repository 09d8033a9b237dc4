/**
 * The offload backend against a real HTTP server on 127.0.0.1 that streams like vLLM (and
 * llama.cpp / Ollama when asked): streaming, usage, FIM with and without a native suffix,
 * keep-alive, API keys, cancellation. Failure modes live in offloadFailures.test.ts, the probe
 * in offloadProbe.test.ts. Every test checks that no socket or timer is left behind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, UnavailableError } from '../../server/src/backends/backend';
import { OffloadBackend } from '../../server/src/backends/offload/offloadBackend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { CircuitBreaker } from '../../server/src/routing/circuitBreaker';
import { defaultRespond } from '../support/fakeOpenAIServer';
import {
  activeHandles,
  assertNoLeaks,
  completionRequest,
  eventually,
  explainRequest,
  run,
  streamedBodies,
  withBackend,
} from '../support/offloadHarness';

const MODEL = 'codellama/CodeLlama-7b-Instruct-hf';

describe('OffloadBackend streaming', () => {
  it('streams a completion in several chunks and reports the server usage', async () => {
    await withBackend({}, async ({ server, backend }) => {
      const request = completionRequest();
      const chunks: string[] = [];
      let done;
      for await (const chunk of backend.generate(request, new AbortController().signal)) {
        if (chunk.type === 'text') chunks.push(chunk.text);
        else done = chunk;
      }
      const expected = defaultRespond({ kind: 'completion', model: MODEL, prompt: request.prompt });
      assert.ok(chunks.length > 1, 'the answer arrives as a stream');
      assert.equal(chunks.join(''), expected);
      assert.equal(done?.finishReason, 'stop');
      assert.deepEqual(done?.usage, {
        promptTokens: Math.ceil(request.prompt.length / 4),
        completionTokens: Math.ceil(expected.length / 4),
        source: 'server',
      });
      const [body] = streamedBodies(server);
      assert.equal(body?.model, MODEL);
      assert.deepEqual(body?.stream_options, { include_usage: true });
      assert.equal(body?.prompt, request.prompt);
      assert.equal(body?.max_tokens, 64);
    });
  });

  it('sends explanations to the chat endpoint with the request messages', async () => {
    await withBackend({}, async ({ server, backend }) => {
      const request = explainRequest();
      const { text, done } = await run(backend, request);
      const prompt = request.messages!.map((m) => m.content).join('\n');
      assert.equal(text, defaultRespond({ kind: 'chat', model: MODEL, prompt }));
      assert.equal(done?.usage.source, 'server');
      const chat = server.requests.find((r) => r.path === '/v1/chat/completions');
      assert.deepEqual(chat?.body?.messages, request.messages);
    });
  });

  it('cuts at max_tokens and passes stop sequences', async () => {
    await withBackend({}, async ({ server, backend }) => {
      const { done } = await run(backend, completionRequest({ maxTokens: 2, stop: ['\n\n', '<EOT>'] }));
      assert.equal(done?.finishReason, 'length');
      assert.equal(done?.usage.completionTokens, 2);
      assert.deepEqual(streamedBodies(server)[0]?.stop, ['\n\n', '<EOT>']);
    });
  });

  it('estimates token counts, and says so, when the server sends no usage', async () => {
    await withBackend({ server: { usage: false } }, async ({ backend }) => {
      const request = completionRequest();
      const { text, done } = await run(backend, request);
      assert.deepEqual(done?.usage, {
        promptTokens: Math.ceil(request.prompt.length / 4),
        completionTokens: Math.ceil(text.length / 4),
        source: 'estimate',
      });
    });
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    await withBackend({}, async ({ server, backend }) => {
      const connectionsAfterProbe = server.connectionCount;
      for (let i = 0; i < 4; i++) await run(backend, completionRequest({ prompt: `x${i}` }));
      assert.equal(server.connectionCount, connectionsAfterProbe, 'no new TCP connection per request');
    });
  });
});

describe('OffloadBackend fill-in-the-middle', () => {
  it('passes the suffix natively when the server supports it (Ollama)', async () => {
    await withBackend({ server: { flavor: 'ollama' } }, async ({ server, backend }) => {
      assert.equal(backend.supportsNativeSuffix, true);
      assert.equal(backend.model, 'codellama:7b-code');
      const { text } = await run(backend, completionRequest({ prompt: 'def f(', suffix: '\n    return x\n' }));
      const body = streamedBodies(server)[0];
      assert.equal(body?.suffix, '\n    return x\n');
      assert.equal(text, defaultRespond({ kind: 'completion', model: 'codellama:7b-code', prompt: 'def f(', suffix: '\n    return x\n' }));
    });
  });

  it('uses the model FIM template when the server rejects suffix (vLLM + Code Llama)', async () => {
    await withBackend({}, async ({ server, backend }) => {
      assert.equal(backend.supportsNativeSuffix, false);
      assert.equal(backend.fimTemplate, 'codellama');
      await run(backend, completionRequest({ prompt: '<PRE> def f( <SUF>\n <MID>' }));
      const body = streamedBodies(server)[0];
      assert.equal(body?.suffix, undefined);
      // vLLM streams no special tokens, so Code Llama's <EOT> is stopped on by id.
      assert.deepEqual(body?.stop_token_ids, [32010]);
    });
  });

  it('picks the FIM template from the model name when set to auto, and obeys an explicit one', async () => {
    const models = ['bigcode/starcoder2-7b'];
    await withBackend({ server: { models } }, async ({ backend }) => {
      assert.equal(backend.fimTemplate, 'starcoder');
    });
    await withBackend({ server: { models }, config: { fimTemplate: 'deepseek' } }, async ({ backend }) => {
      assert.equal(backend.fimTemplate, 'deepseek');
    });
  });
});

describe('OffloadBackend cancellation', () => {
  it('aborting mid-stream throws CancelledError at once and closes the connection', async () => {
    const slow = { tokenDelayMs: 20, respond: () => 'x'.repeat(400) };
    await withBackend({ server: slow }, async ({ server, backend }) => {
      const controller = new AbortController();
      const stream = backend.generate(completionRequest({ maxTokens: 500 }), controller.signal);
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) {
            if (chunk.type === 'text') seen.push(chunk.text);
            if (seen.length === 2) controller.abort();
          }
        })(),
        CancelledError,
      );
      assert.equal(seen.length, 2, 'no chunk is delivered after the abort');
      await eventually(() => server.openConnections === 0);
    });
  });

  it('aborting while waiting for the first byte throws CancelledError', async () => {
    await withBackend({}, async ({ server, backend }) => {
      server.enqueue({ kind: 'slow-first-byte', delayMs: 60_000 });
      const controller = new AbortController();
      const pending = run(backend, completionRequest(), controller.signal);
      await eventually(() => streamedBodies(server).length === 1);
      controller.abort();
      await assert.rejects(pending, CancelledError);
    });
  });

  it('stopping the iteration early aborts the HTTP request', async () => {
    const slow = { tokenDelayMs: 20, respond: () => 'y'.repeat(400) };
    await withBackend({ server: slow }, async ({ server, backend }) => {
      for await (const chunk of backend.generate(completionRequest({ maxTokens: 500 }), new AbortController().signal)) {
        if (chunk.type === 'text') break;
      }
      await eventually(() => server.openConnections === 0);
    });
  });

  it('dispose cancels a generation in flight', async () => {
    const before = activeHandles();
    const { FakeOpenAIServer } = await import('../support/fakeOpenAIServer');
    const server = await FakeOpenAIServer.start({ tokenDelayMs: 20, respond: () => 'z'.repeat(400) });
    const backend = new OffloadBackend({ config: { ...DEFAULT_CONFIG.offload, url: server.baseUrl, maxRetries: 0 } });
    await backend.probe();
    const pending = run(backend, completionRequest({ maxTokens: 500 }));
    await eventually(() => streamedBodies(server).length === 1);
    // The expectation is attached before dispose: the generation rejects while dispose is still
    // closing sockets, and a rejection with no handler yet fails the test as "unhandled".
    const cancelled = assert.rejects(pending, CancelledError);
    await backend.dispose();
    await cancelled;
    assert.equal(backend.isAvailable('completion'), false);
    await server.close();
    assertNoLeaks(before);
  });
});

describe('OffloadBackend configuration', () => {
  it('sends the API key as a bearer token, and no key from the environment when none is given', async () => {
    await withBackend({ backend: { apiKey: 'sk-test-123' } }, async ({ server, backend }) => {
      await run(backend, completionRequest());
      for (const request of server.requests) assert.equal(request.headers.authorization, 'Bearer sk-test-123');
    });
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-environment';
    try {
      await withBackend({}, async ({ server, backend }) => {
        await run(backend, completionRequest());
        for (const request of server.requests) assert.equal(request.headers.authorization, undefined);
      });
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('is disabled, and says why, without a URL', async () => {
    const backend = new OffloadBackend({ config: { ...DEFAULT_CONFIG.offload, url: '' } });
    assert.equal(backend.status().state, 'disabled');
    assert.equal(backend.isAvailable('completion'), false);
    await assert.rejects(run(backend, completionRequest()), UnavailableError);
    await backend.dispose();
  });

  it('reports the attached breaker state in its status', async () => {
    await withBackend({}, async ({ backend }) => {
      const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: () => 0 });
      backend.setBreaker(breaker);
      assert.equal(backend.status().breaker, 'closed');
      breaker.recordFailure();
      assert.equal(backend.status().breaker, 'open');
      assert.equal(backend.status().state, 'ready');
    });
  });

  it('reports llama.cpp timings and Ollama eval counters as server timings', async () => {
    await withBackend({ server: { flavor: 'llamacpp' } }, async ({ backend }) => {
      const { done } = await run(backend, completionRequest());
      assert.equal(done?.serverTimings?.decodeTokensPerSecond, 125);
      assert.equal(typeof done?.serverTimings?.promptMs, 'number');
    });
    await withBackend({ server: { flavor: 'ollama' } }, async ({ backend }) => {
      const { done } = await run(backend, completionRequest());
      assert.ok(Math.abs((done?.serverTimings?.decodeTokensPerSecond ?? 0) - 125) < 1e-6);
      assert.equal(typeof done?.serverTimings?.decodeMs, 'number');
    });
  });
});
