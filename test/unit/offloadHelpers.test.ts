import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIConnectionError, APIError } from 'openai';
import {
  CancelledError,
  HttpError,
  MalformedResponseError,
  RateLimitedError,
  StreamInterruptedError,
  TimeoutError,
  UnavailableError,
} from '../../server/src/backends/backend';
import {
  ContextOverflowError,
  isRetryable,
  mapOffloadError,
  WarmingUpError,
  type FailureContext,
} from '../../server/src/backends/offload/errorMapping';
import { fimFamilyForModel, resolveFimTemplate } from '../../server/src/backends/offload/fimTemplate';
import { offloadSettingsChanged } from '../../server/src/backends/offload/offloadBackend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { backoffDelayMs, retryAfterMs, sleep } from '../../server/src/backends/offload/retry';
import { detectServerKind } from '../../server/src/backends/offload/serverKind';
import { normalizeFinishReason, readChunk } from '../../server/src/backends/offload/streamChunks';

describe('FIM template choice', () => {
  it('follows the model name under auto', () => {
    assert.equal(fimFamilyForModel('codellama/CodeLlama-7b-Instruct-hf'), 'codellama');
    assert.equal(fimFamilyForModel('codellama:7b-code'), 'codellama');
    assert.equal(fimFamilyForModel('bigcode/starcoder2-15b'), 'starcoder');
    assert.equal(fimFamilyForModel('Qwen/Qwen2.5-Coder-7B'), 'qwen');
    assert.equal(fimFamilyForModel('qwen2.5-coder:1.5b-base'), 'qwen');
    assert.equal(fimFamilyForModel('Qwen/CodeQwen1.5-7B'), 'starcoder');
    assert.equal(fimFamilyForModel('google/codegemma-2b'), 'codegemma');
    assert.equal(fimFamilyForModel('codestral:22b'), 'codestral');
    assert.equal(fimFamilyForModel('mistralai/Codestral-22B-v0.1'), 'codestral');
    assert.equal(fimFamilyForModel('ibm-granite/granite-3b-code-base'), 'starcoder');
    assert.equal(fimFamilyForModel('deepseek-ai/deepseek-coder-6.7b-base'), 'deepseek');
    assert.equal(fimFamilyForModel('tandem-completion'), 'tandem');
    assert.equal(fimFamilyForModel('models/tandem-code.gguf'), 'tandem');
  });

  it('gives an unknown model no template rather than a guessed one', () => {
    assert.equal(fimFamilyForModel('mistral-7b'), 'none');
    assert.equal(fimFamilyForModel('my-tandem-finetune'), 'none');
    assert.equal(fimFamilyForModel('mistralai/Mamba-Codestral-7B-v0.1'), 'none', 'trained without FIM');
    assert.equal(fimFamilyForModel('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'), 'none', 'a Qwen model under another name');
    assert.equal(fimFamilyForModel('Qwen/Qwen2.5-7B-Instruct'), 'none');
    assert.equal(resolveFimTemplate('auto', 'gpt-whatever'), 'none');
  });

  it('keeps an explicit setting', () => {
    assert.equal(resolveFimTemplate('starcoder', 'codellama/CodeLlama-7b-hf'), 'starcoder');
    assert.equal(resolveFimTemplate('auto', 'codellama/CodeLlama-7b-hf'), 'codellama');
  });
});

describe('retry timing', () => {
  it('reads Retry-After in seconds, as a date, and retry-after-ms', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '0.05' })), 50);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '120', 'retry-after': '9' })), 120);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(
      retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), () => now),
      3000,
    );
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMs(new Headers()), undefined);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '-5' })), 0);
  });

  it('backs off exponentially with jitter inside [ceiling/2, ceiling], capped', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelayMs(0, options, () => 0),
      50,
    );
    assert.equal(
      backoffDelayMs(0, options, () => 1),
      100,
    );
    assert.equal(
      backoffDelayMs(2, options, () => 1),
      400,
    );
    assert.equal(
      backoffDelayMs(10, options, () => 1),
      1000,
    );
    assert.equal(
      backoffDelayMs(10, options, () => 0),
      500,
    );
  });

  it('sleep ends with CancelledError as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await assert.rejects(pending, CancelledError);
    await assert.rejects(sleep(1, controller.signal), CancelledError);
  });
});

describe('stream chunk reading', () => {
  it('reads completion text, finish reason and usage', () => {
    const parts = readChunk(
      { choices: [{ text: 'abc', finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 4 } },
      'completion',
    );
    assert.deepEqual(parts, { text: 'abc', finishReason: 'length', usage: { promptTokens: 3, completionTokens: 4 } });
  });

  it('reads chat deltas and ignores role-only or usage-only chunks', () => {
    assert.equal(readChunk({ choices: [{ delta: { content: 'hi' }, finish_reason: null }] }, 'chat').text, 'hi');
    assert.equal(readChunk({ choices: [{ delta: { role: 'assistant' } }] }, 'chat').text, '');
    assert.deepEqual(readChunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } }, 'chat').usage, {
      promptTokens: 1,
      completionTokens: 2,
    });
  });

  it('reads llama.cpp timings and Ollama eval counters', () => {
    const llama = readChunk(
      { choices: [], timings: { prompt_n: 40, prompt_ms: 12, predicted_n: 4, predicted_ms: 80, predicted_per_second: 50 } },
      'completion',
    );
    assert.deepEqual(llama.timings, { promptTokens: 40, promptMs: 12, decodeTokens: 4, decodeMs: 80, decodeTokensPerSecond: 50 });
    const ollama = readChunk({ choices: [], eval_count: 20, eval_duration: 400e6, prompt_eval_duration: 30e6 }, 'completion');
    assert.deepEqual(ollama.timings, { decodeMs: 400, decodeTokensPerSecond: 50, promptMs: 30 });
  });

  it('reads llama.cpp native /infill events: content, stop type, token counts, timings', () => {
    const partial = readChunk({ index: 0, content: 'ret', stop: false, tokens_predicted: 1, tokens_evaluated: 30 }, 'infill');
    assert.deepEqual(partial, { text: 'ret' });
    const last = readChunk(
      {
        content: '',
        stop: true,
        stop_type: 'limit',
        tokens_predicted: 8,
        tokens_evaluated: 30,
        timings: { prompt_n: 30, prompt_ms: 5, predicted_n: 8, predicted_ms: 40 },
      },
      'infill',
    );
    assert.equal(normalizeFinishReason(last.finishReason), 'length');
    assert.deepEqual(last.usage, { promptTokens: 30, completionTokens: 8 });
    assert.deepEqual(last.timings, { promptTokens: 30, promptMs: 5, decodeTokens: 8, decodeMs: 40 });
    assert.equal(normalizeFinishReason(readChunk({ content: '', stop: true, stop_type: 'eos' }, 'infill').finishReason), 'stop');
    assert.equal(normalizeFinishReason(readChunk({ content: '', stop: true, stop_type: 'word' }, 'infill').finishReason), 'stop');
  });

  it('rejects a chunk that is not an object', () => {
    assert.throws(() => readChunk(42, 'completion'), MalformedResponseError);
    assert.throws(() => readChunk(null, 'chat'), MalformedResponseError);
  });

  it('normalizes the finish reasons servers use', () => {
    assert.equal(normalizeFinishReason('stop'), 'stop');
    assert.equal(normalizeFinishReason('eos_token'), 'stop');
    assert.equal(normalizeFinishReason('length'), 'length');
    assert.equal(normalizeFinishReason('tool_calls'), 'unknown');
    assert.equal(normalizeFinishReason(undefined), 'unknown');
  });
});

describe('server kind detection', () => {
  const none = new Headers();
  it('tells the engines apart from owned_by and headers', () => {
    assert.equal(detectServerKind(none, [{ id: 'm', owned_by: 'vllm' }]), 'vllm');
    assert.equal(detectServerKind(none, [{ id: 'm', owned_by: 'llamacpp' }]), 'llamacpp');
    assert.equal(detectServerKind(new Headers({ server: 'llama.cpp' }), []), 'llamacpp');
    assert.equal(detectServerKind(none, [{ id: 'codellama:7b-code', owned_by: 'library' }]), 'ollama');
    assert.equal(detectServerKind(none, [{ id: 'bigcode/starcoder2', owned_by: 'bigcode/starcoder2' }]), 'tgi');
    assert.equal(detectServerKind(new Headers({ 'openai-version': '2020-10-01' }), [{ id: 'gpt', owned_by: 'x' }]), 'openai');
    assert.equal(detectServerKind(none, [{ id: 'm', owned_by: 'someone' }]), 'unknown');
  });
});

describe('error mapping', () => {
  const fresh: FailureContext = { cancelled: false, timedOut: false, timeoutMs: 100, partialText: '', started: false };
  const streaming: FailureContext = { ...fresh, partialText: 'par', started: true };
  const headers = new Headers({ 'retry-after': '1' });

  it('maps cancellation and our own timeouts first', () => {
    assert.ok(mapOffloadError(new Error('x'), { ...fresh, cancelled: true }) instanceof CancelledError);
    assert.ok(mapOffloadError(new Error('x'), { ...fresh, timedOut: true }) instanceof TimeoutError);
    const stalled = mapOffloadError(new Error('x'), { ...streaming, timedOut: true });
    assert.ok(stalled instanceof StreamInterruptedError && stalled.partialText === 'par');
  });

  it('maps HTTP statuses', () => {
    const rate = mapOffloadError(APIError.generate(429, { error: { message: 'slow down' } }, undefined, headers), fresh);
    assert.ok(rate instanceof RateLimitedError && rate.retryAfterMs === 1000);
    const loading = mapOffloadError(APIError.generate(503, { error: { message: 'Loading model' } }, undefined, headers), fresh);
    assert.ok(loading instanceof WarmingUpError);
    const notFound = mapOffloadError(APIError.generate(404, { error: { message: 'no model' } }, undefined, headers), fresh);
    assert.ok(notFound instanceof HttpError && notFound.status === 404);
  });

  it("maps llama.cpp's exceed_context_size_error with the window and the prompt's token count", () => {
    const body = {
      error: {
        code: 400,
        message: 'request (900 tokens) exceeds the available context size (512 tokens)',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 900,
        n_ctx: 512,
      },
    };
    const overflow = mapOffloadError(APIError.generate(400, body, undefined, headers), fresh);
    assert.ok(overflow instanceof ContextOverflowError);
    assert.equal(overflow.status, 400);
    assert.equal(overflow.contextTokens, 512);
    assert.equal(overflow.promptTokens, 900);
    const other = mapOffloadError(
      APIError.generate(400, { error: { message: 'bad', type: 'invalid_request_error' } }, undefined, headers),
      fresh,
    );
    assert.ok(other instanceof HttpError && !(other instanceof ContextOverflowError));
  });

  it('maps connection failures by code, before and after the first token', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.ok(mapOffloadError(new APIConnectionError({ cause: refused }), fresh) instanceof UnavailableError);
    const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    assert.ok(mapOffloadError(reset, fresh) instanceof UnavailableError);
    assert.ok(mapOffloadError(reset, streaming) instanceof StreamInterruptedError);
  });

  it('maps unparseable stream data to MalformedResponseError', () => {
    assert.ok(mapOffloadError(new SyntaxError('Unexpected end of JSON input'), streaming) instanceof MalformedResponseError);
  });

  it('retries only what another try can fix', () => {
    assert.equal(isRetryable(new HttpError('x', 502)), true);
    assert.equal(isRetryable(new HttpError('x', 404)), false);
    assert.equal(isRetryable(new UnavailableError('x')), true);
    assert.equal(isRetryable(new RateLimitedError('x', 10)), true);
    assert.equal(isRetryable(new WarmingUpError('x')), false);
    assert.equal(isRetryable(new TimeoutError('x')), false);
    assert.equal(isRetryable(new MalformedResponseError('x')), false);
  });
});

describe('offload settings change', () => {
  it('needs a new backend when any offload setting or the key changes', () => {
    const base = { ...DEFAULT_CONFIG.offload, url: 'http://localhost:8000/v1' };
    assert.equal(offloadSettingsChanged(base, { ...base }), false);
    assert.equal(offloadSettingsChanged(base, { ...base, model: 'x' }), true);
    assert.equal(offloadSettingsChanged(base, { ...base, timeoutMs: 1000 }), true);
    assert.equal(offloadSettingsChanged(base, { ...base }, 'k1', 'k2'), true);
    assert.equal(offloadSettingsChanged(base, { ...base }, undefined, ''), false);
  });
});
