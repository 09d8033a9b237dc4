/**
 * The offload backend against the fake server's llama.cpp mode, which behaves as llama.cpp's
 * llama-server does where clients can go wrong (see DESIGN.md "Facts about this environment"):
 * `/v1/completions` ignores `suffix` (FIM only through `/infill`), the connection is closed after
 * every streamed response although Keep-Alive was sent, a prompt longer than the slot's n_ctx is
 * refused with `exceed_context_size_error`, chunks carry `timings`. Also: re-probing that never
 * gives up on a server that is down, including one that starts after Tandem.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { OffloadBackend } from '../../server/src/backends/offload/offloadBackend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { formatFimPrompt } from '../../server/src/completion/templates';
import { defaultRespond, FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { activeHandles, assertNoLeaks, completionRequest, eventually, run, withBackend } from '../support/offloadHarness';

const LLAMA = { flavor: 'llamacpp' as const, models: ['tandem-completion'] };
const MODEL = 'tandem-completion';

const lines = (tag: string, count: number): string => Array.from({ length: count }, (_, i) => `${tag}_${i} = compute(${i})\n`).join('');

function requestsTo(server: FakeOpenAIServer, path: string) {
  return server.requests.filter((request) => request.path === path && request.body?.stream === true);
}

describe('llama.cpp: fill-in-the-middle', () => {
  it('sends FIM through /infill, so the answer depends on the suffix', async () => {
    await withBackend({ server: LLAMA }, async ({ server, backend }) => {
      assert.equal(backend.fimMode, 'infill');
      assert.equal(backend.supportsNativeSuffix, true);
      const prefix = 'def area(w, h):\n    ';
      const answers: string[] = [];
      for (const suffix of ['\n\nprint(area(2, 3))\n', '\n\nassert area(1, 1) == 1\n']) {
        const { text } = await run(backend, completionRequest({ prompt: prefix, suffix }));
        assert.equal(text, defaultRespond({ kind: 'completion', model: MODEL, prompt: prefix, suffix }));
        answers.push(text);
      }
      assert.notEqual(answers[0], answers[1], 'a different suffix gives a different answer');
      const bodies = requestsTo(server, '/infill').map((request) => request.body);
      assert.equal(bodies.length, 2);
      assert.equal(bodies[0]?.input_prefix, prefix);
      assert.equal(bodies[0]?.input_suffix, '\n\nprint(area(2, 3))\n');
      assert.equal(requestsTo(server, '/v1/completions').length, 0, '/v1/completions would drop the suffix');
    });
  });

  it('falls back to the model template when the model has no FIM tokens, and never to CodeLlama for an unknown name', async () => {
    await withBackend({ server: { ...LLAMA, infill: false } }, async ({ backend }) => {
      assert.equal(backend.fimMode, 'template');
      assert.equal(backend.fimTemplate, 'tandem');
    });
    await withBackend({ server: { flavor: 'llamacpp', models: ['mystery-model'], infill: false } }, async ({ backend }) => {
      assert.equal(backend.fimTemplate, 'none');
      assert.equal(backend.supportsNativeSuffix, false);
    });
  });

  it('delivers llama.cpp timings (token counts and milliseconds) in the done chunk', async () => {
    await withBackend({ server: LLAMA }, async ({ backend }) => {
      const { text, done } = await run(backend, completionRequest({ prompt: 'x = ', suffix: '\n' }));
      const tokens = Math.ceil(text.length / 4);
      assert.equal(done?.serverTimings?.decodeTokens, tokens);
      assert.equal(done?.serverTimings?.decodeMs, tokens * 8);
      assert.equal(typeof done?.serverTimings?.promptTokens, 'number');
      assert.equal(typeof done?.serverTimings?.promptMs, 'number');
      assert.equal(done?.usage.source, 'server');
      assert.equal(done?.finishReason, 'stop');
    });
  });
});

describe('llama.cpp: connection closed after every stream', () => {
  it('answers 24 back-to-back requests without a single retry', async () => {
    // maxRetries 0: a request that failed on a dead keep-alive socket would throw here.
    await withBackend({ server: LLAMA, config: { maxRetries: 0 } }, async ({ server, backend }) => {
      for (let i = 0; i < 24; i++) {
        const { text } = await run(backend, completionRequest({ prompt: `v${i} = `, suffix: '\n' }));
        assert.ok(text.length > 0);
      }
      assert.equal(requestsTo(server, '/infill').length, 24);
      assert.ok(server.connectionCount >= 24, `the server closed its connections (${server.connectionCount} opened)`);
    });
  });
});

describe('llama.cpp: context window', () => {
  it('fits a long prompt into the advertised n_ctx before sending it', async () => {
    await withBackend({ server: { ...LLAMA, contextTokens: 512 } }, async ({ server, backend }) => {
      assert.equal(backend.contextTokens, 512);
      const prefix = lines('before', 200);
      const suffix = lines('after', 200);
      const { text, done } = await run(backend, completionRequest({ prompt: prefix, suffix, maxTokens: 48 }));
      assert.ok(text.length > 0);
      assert.equal(done?.finishReason, 'stop');
      const [body] = requestsTo(server, '/infill').map((request) => request.body);
      assert.ok(prefix.endsWith(String(body?.input_prefix)), 'the prefix keeps its end');
      assert.ok(suffix.startsWith(String(body?.input_suffix)), 'the suffix keeps its start');
      assert.equal(requestsTo(server, '/infill').length, 1, 'no refused request');
      assert.ok(backend.completionContextChars !== undefined && backend.completionContextChars < 512 * 3);
    });
  });

  it('answers an over-long prompt after exceed_context_size_error by trimming to that n_ctx, once', async () => {
    // An older build that lists no n_ctx: the first request is refused, the answer teaches the window.
    await withBackend({ server: { ...LLAMA, contextTokens: 256, advertiseContext: false } }, async ({ server, backend }) => {
      assert.equal(backend.contextTokens, undefined);
      const prefix = lines('before', 120);
      const suffix = lines('after', 60);
      const { text } = await run(backend, completionRequest({ prompt: prefix, suffix, maxTokens: 16 }));
      assert.ok(text.length > 0);
      const sent = requestsTo(server, '/infill').map((request) => request.body);
      assert.equal(sent.length, 2, 'refused once, then answered');
      assert.equal(sent[0]?.input_prefix, prefix);
      assert.ok(String(sent[1]?.input_prefix).length < prefix.length);
      assert.equal(backend.contextTokens, 256);
      assert.equal(backend.status().state, 'ready');
      // The next request is fitted before it is sent.
      await run(backend, completionRequest({ prompt: prefix, suffix, maxTokens: 16 }));
      assert.equal(requestsTo(server, '/infill').length, 3);
    });
  });

  it('re-trims a templated prompt the same way (model without FIM tokens)', async () => {
    const server = { ...LLAMA, contextTokens: 256, advertiseContext: false as const, infill: false };
    await withBackend({ server }, async ({ server: fake, backend }) => {
      assert.equal(backend.fimTemplate, 'tandem');
      const prompt = formatFimPrompt('tandem', lines('before', 120), lines('after', 60));
      const { text } = await run(backend, completionRequest({ prompt, maxTokens: 16 }));
      assert.ok(text.length > 0);
      const sent = requestsTo(fake, '/v1/completions').map((request) => String(request.body?.prompt));
      assert.equal(sent.length, 2);
      assert.match(sent[1] ?? '', /^<fim_prefix>before_\d+[\s\S]*<fim_suffix>after_0[\s\S]*<fim_middle>$/);
    });
  });

  it('does not loop when trimming cannot help', async () => {
    // A window so small that even the minimal prompt is refused: one retry, then the error.
    await withBackend({ server: { ...LLAMA, contextTokens: 8, advertiseContext: false } }, async ({ server, backend }) => {
      await assert.rejects(run(backend, completionRequest({ prompt: lines('p', 50), suffix: lines('s', 50), maxTokens: 4 })));
      assert.equal(requestsTo(server, '/infill').length, 2);
    });
  });
});

describe('re-probing while the server is down', () => {
  async function freePort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  it('notices a server started after Tandem, however many probes failed before', async () => {
    const before = activeHandles();
    const port = await freePort();
    const backend = new OffloadBackend({
      config: { ...DEFAULT_CONFIG.offload, url: `http://127.0.0.1:${port}/v1`, timeoutMs: 1000 },
      reprobeMs: 20,
      reprobeMaxMs: 100,
    });
    let server: FakeOpenAIServer | undefined;
    try {
      await eventually(() => backend.status().state === 'down');
      await new Promise((resolve) => setTimeout(resolve, 1000)); // several failed probes
      assert.equal(backend.status().state, 'down');
      server = await FakeOpenAIServer.start({ ...LLAMA, port });
      await eventually(() => backend.status().state === 'ready', 5000);
      assert.equal(backend.fimMode, 'infill');
      const { text } = await run(backend, completionRequest({ prompt: 'a = ', suffix: '\n' }));
      assert.ok(text.length > 0);
    } finally {
      await backend.dispose();
      await server?.close();
    }
    assertNoLeaks(before);
  });

  it('keeps probing after the server goes away and comes back', async () => {
    const before = activeHandles();
    let server = await FakeOpenAIServer.start(LLAMA);
    const port = server.port;
    const backend = new OffloadBackend({
      config: { ...DEFAULT_CONFIG.offload, url: server.baseUrl, timeoutMs: 1000 },
      reprobeMs: 20,
      reprobeMaxMs: 100,
    });
    try {
      await eventually(() => backend.status().state === 'ready');
      await server.close();
      await backend.probe();
      assert.equal(backend.status().state, 'down');
      await new Promise((resolve) => setTimeout(resolve, 300));
      server = await FakeOpenAIServer.start({ ...LLAMA, port });
      await eventually(() => backend.status().state === 'ready', 5000);
    } finally {
      await backend.dispose();
      await server.close();
    }
    assertNoLeaks(before);
  });
});
