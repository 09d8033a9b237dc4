/**
 * Explanations fitted to the offload server's context window (fitChat.ts, fitRequest.ts): the
 * code is cut from its end at a line break, the instructions are kept, max_tokens is capped, and
 * an `exceed_context_size_error` teaches the window and the request is resent once (llama.cpp
 * mode of the OpenAI-compatible test server).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, GenerateRequest } from '../../server/src/backends/backend';
import { CUT_NOTE, fitChatMessages } from '../../server/src/backends/offload/fitChat';
import { fitRequest, learnedCharsPerToken } from '../../server/src/backends/offload/fitRequest';
import type { FakeOpenAIServer } from '../support/fakeOpenAIServer';
import { explainRequest, run, withBackend } from '../support/offloadHarness';

const CODE = Array.from({ length: 200 }, (_, i) => `value_${i} = compute(${i})\n`).join('');
const SYSTEM = 'You explain code.';
const messagesFor = (code: string): ChatMessage[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: `Explain this python code:\n\n\`\`\`python\n${code}\n\`\`\`` },
];
const request: GenerateRequest = { task: 'explain', prompt: CODE, messages: messagesFor(CODE), maxTokens: 256, temperature: 0, stop: [] };
const chat = { model: 'm', kind: 'chat', serverKind: 'llamacpp', fimTemplate: 'none' } as const;

const contentChars = (messages: unknown): number => (messages as ChatMessage[]).reduce((sum, m) => sum + m.content.length, 0);

describe('fitChatMessages', () => {
  it('leaves messages that fit alone', () => {
    const fitted = fitChatMessages(messagesFor('x = 1\n'), 'x = 1\n', 1000);
    assert.equal(fitted.trimmed, false);
    assert.deepEqual(fitted.messages, messagesFor('x = 1\n'));
  });

  it('cuts the end of the code at a line break, keeps the instructions and says it was cut', () => {
    const fitted = fitChatMessages(messagesFor(CODE), CODE, 1200);
    assert.equal(fitted.trimmed, true);
    assert.ok(contentChars(fitted.messages) <= 1200, `${contentChars(fitted.messages)} chars`);
    assert.equal(fitted.messages[0]?.content, SYSTEM);
    const user = fitted.messages[1]?.content ?? '';
    assert.match(user, /^Explain this python code:\n\n```python\nvalue_0 = compute\(0\)\n/);
    assert.match(user, /compute\(\d+\)\n```/, 'the code ends on a whole line and the fence is closed');
    assert.ok(user.endsWith(CUT_NOTE));
  });

  it('cannot cut what it cannot find: messages without the code are sent as they are', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'y'.repeat(5000) }];
    assert.equal(fitChatMessages(messages, CODE, 100).trimmed, false);
  });
});

describe('fitRequest for explanations', () => {
  it('sends the chat unchanged when the window is unknown', () => {
    const { params, trimmed } = fitRequest(request, chat, { contextTokens: undefined, charsPerToken: 3 });
    assert.equal(trimmed, false);
    assert.deepEqual(params.messages, request.messages);
    assert.equal(params.max_tokens, 256);
  });

  it('fits the messages next to the answer and caps max_tokens at half the window', () => {
    const { params, trimmed } = fitRequest(request, chat, { contextTokens: 1024, charsPerToken: 3 });
    assert.equal(trimmed, true);
    assert.equal(params.max_tokens, 256);
    // (1024 - 256 answer - 8 safety - 2 messages × 8 template) tokens × 3 chars.
    assert.ok(contentChars(params.messages) <= (1024 - 256 - 8 - 16) * 3, `${contentChars(params.messages)} chars`);
    const small = fitRequest({ ...request, maxTokens: 4000 }, chat, { contextTokens: 512, charsPerToken: 3 });
    assert.equal(small.params.max_tokens, 256);
  });

  it('learns characters per token from chat messages too', () => {
    assert.equal(learnedCharsPerToken(3, { messages: [{ role: 'user', content: 'x'.repeat(1000) }] }, 500), 2 * 0.95);
  });
});

describe('explain against llama.cpp with a small n_ctx', () => {
  const chatBodies = (server: FakeOpenAIServer) =>
    server.requests.filter((r) => r.path === '/v1/chat/completions' && r.body?.stream === true).map((r) => r.body ?? {});

  it('is refused once, learns the window, and answers with the code cut to fit', async () => {
    const server = { flavor: 'llamacpp' as const, models: ['tandem-chat'], contextTokens: 512, advertiseContext: false as const };
    await withBackend({ server }, async ({ server: fake, backend }) => {
      const { text } = await run(backend, explainRequest({ prompt: CODE, messages: messagesFor(CODE), maxTokens: 64 }));
      assert.ok(text.length > 0);
      const sent = chatBodies(fake);
      assert.equal(sent.length, 2, 'refused once, then answered');
      assert.ok(contentChars(sent[1]?.messages) < contentChars(sent[0]?.messages));
      assert.equal(backend.contextTokens, 512);
      // The next explanation is fitted before it is sent: no second refusal.
      await run(backend, explainRequest({ prompt: CODE, messages: messagesFor(CODE), maxTokens: 64 }));
      assert.equal(chatBodies(fake).length, 3);
    });
  });
});
