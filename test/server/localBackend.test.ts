/**
 * The local backend on the bundled models, offline (allowRemoteModels = false): deterministic
 * greedy output for Python and TypeScript, streaming, cancellation, and clear load errors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type TandemConfig } from '../../server/src/config';
import { CancelledError, ModelLoadError, collect, type GenerateRequest } from '../../server/src/backends/backend';
import { LocalBackend } from '../../server/src/backends/local/localBackend';
import { memoryLogger } from '../../server/src/logger';
import { formatFimPrompt } from '../../server/src/completion/templates';
import { packageRoot } from '../../server/src/packageRoot';

const offline: TandemConfig['local'] = { ...DEFAULT_CONFIG.local, allowRemoteModels: false };
// TANDEM_MODELS_DIR runs the same tests against another build of the models (e.g. a training run).
const modelsRoot = process.env.TANDEM_MODELS_DIR ?? path.join(packageRoot(), 'models');
const bundledDir = path.join(modelsRoot, 'tandem-complete-mini');

const PYTHON_PREFIX = 'import os\n\n\ndef read_lines(path):\n    """Return the lines of a text file."""\n    with open(path) as f:\n';
const TS_PREFIX = 'export function clamp(value: number, min: number, max: number): number {\n  if (value < min) {\n';
const PYTHON_FUNCTION = 'def add(a, b):\n    total = a + b\n    return total\n';
const TS_FUNCTION = 'export function isEmpty(items: string[]): boolean {\n  return items.length === 0;\n}\n';

function completion(prompt: string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return { task: 'completion', prompt, maxTokens: 24, temperature: 0, stop: [], ...extra };
}

function explain(code: string): GenerateRequest {
  return { task: 'explain', prompt: code, maxTokens: 48, temperature: 0, stop: [] };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return assert.fail('expected the promise to reject');
}

describe('LocalBackend with the bundled models', () => {
  const log = memoryLogger();
  const backend = new LocalBackend({ config: offline, log, modelsRoot });
  const signal = new AbortController().signal;

  before(async () => {
    await backend.warmup(['completion', 'explain'], signal);
  });
  after(() => backend.dispose());

  it('loads both models offline and reports ready', () => {
    const status = backend.status();
    assert.equal(status.state, 'ready', status.detail);
    assert.equal(backend.loadedInfo('completion')?.name, 'tandem-complete-mini');
    assert.equal(backend.loadedInfo('explain')?.encoderDecoder, true);
    assert.equal(backend.fimTemplate, 'tandem');
    assert.equal(backend.supportsNativeSuffix, false);
  });

  for (const [language, prompt, identifiers] of [
    ['Python', PYTHON_PREFIX, /\b(path|f|lines|os)\b/],
    ['TypeScript', TS_PREFIX, /\b(value|min|max)\b/],
  ] as const) {
    it(`completes ${language} deterministically with greedy decoding`, async () => {
      const first = await collect(backend.generate(completion(prompt), signal));
      const second = await collect(backend.generate(completion(prompt), signal));
      assert.equal(first.text, second.text);
      // Sensible: it continues this code, so it uses names the prompt defined.
      assert.match(first.text, identifiers, `unrelated output ${JSON.stringify(first.text)}`);
      assert.doesNotMatch(first.text, /<fim_|<\|endoftext\|>/);
      assert.ok(first.done, 'a done chunk ends the stream');
      assert.equal(first.done.usage.source, 'tokenizer');
      assert.ok(first.done.usage.promptTokens > 10);
      assert.ok(first.done.usage.completionTokens >= 1);
    });
  }

  it('copies a pattern repeated in the prompt with the context cache (on by default)', async () => {
    const prompt =
      'registry.add_handler("alpha_event", on_alpha_event)\n' +
      'registry.add_handler("beta_event", on_beta_event)\n' +
      'registry.add_handler("gamma_event", on_gamma_event)\n' +
      'registry.add_handler("delta_event", on_delta_event)\n' +
      'registry.';
    const request = completion(prompt, { stop: ['\n'] });
    const cached = await collect(backend.generate(request, signal, { contextCache: true }));
    assert.match(cached.text, /^add_handler\("/, `the repeated call is copied: ${JSON.stringify(cached.text)}`);
    // The default decoding is the product's: the cache is on unless local.contextCache is off.
    assert.equal((await collect(backend.generate(request, signal))).text, cached.text);
  });

  it('fills in the middle with the tandem FIM template', async () => {
    const prompt = formatFimPrompt('tandem', 'def square(x):\n    ', '\n\n\nprint(square(3))\n');
    const first = await collect(backend.generate(completion(prompt, { stop: ['\n'] }), signal));
    const second = await collect(backend.generate(completion(prompt, { stop: ['\n'] }), signal));
    assert.equal(first.text, second.text);
    assert.ok(first.text.trim().length > 0, 'non-empty infill');
    assert.ok(!first.text.includes('\n'), 'the stop sequence cut the text');
  });

  for (const [language, code] of [
    ['Python', PYTHON_FUNCTION],
    ['TypeScript', TS_FUNCTION],
  ] as const) {
    it(`explains a ${language} function with a deterministic one-line summary`, async () => {
      const first = await collect(backend.generate(explain(code), signal));
      const second = await collect(backend.generate(explain(code), signal));
      assert.equal(first.text, second.text);
      assert.ok(first.text.trim().split(/\s+/).length >= 2, `not a sentence: ${JSON.stringify(first.text)}`);
      assert.ok(!first.text.includes('\n'));
      assert.equal(first.done?.finishReason, 'stop', `no end of summary in ${JSON.stringify(first.text)}`);
    });
  }

  it('streams several deltas whose concatenation is the whole answer', async () => {
    const deltas: string[] = [];
    let done = 0;
    for await (const chunk of backend.generate(completion(PYTHON_PREFIX, { maxTokens: 32 }), signal, { ignoreEos: true })) {
      if (chunk.type === 'text') deltas.push(chunk.text);
      else done++;
    }
    assert.ok(deltas.length > 1, `only ${deltas.length} delta(s)`);
    assert.equal(done, 1);
    const whole = await collect(backend.generate(completion(PYTHON_PREFIX, { maxTokens: 32 }), signal, { ignoreEos: true }));
    assert.equal(deltas.join(''), whole.text);
  });

  it('stops at a stop sequence without showing it', async () => {
    const free = await collect(backend.generate(completion(PYTHON_PREFIX, { maxTokens: 32 }), signal, { ignoreEos: true }));
    const cut = free.text.slice(2).search(/\S/) + 2;
    assert.ok(cut > 1, `need text to cut in ${JSON.stringify(free.text)}`);
    const stop = free.text.slice(cut, cut + 2);
    const stopped = await collect(
      backend.generate(completion(PYTHON_PREFIX, { maxTokens: 32, stop: [stop] }), signal, { ignoreEos: true }),
    );
    assert.equal(stopped.text, free.text.slice(0, free.text.indexOf(stop)));
    assert.equal(stopped.done?.finishReason, 'stop');
  });

  it('aborts mid-generation with CancelledError and keeps working afterwards', async () => {
    const controller = new AbortController();
    const received: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of backend.generate(completion(TS_PREFIX, { maxTokens: 400 }), controller.signal, { ignoreEos: true })) {
          if (chunk.type !== 'text') continue;
          received.push(chunk.text);
          if (received.length === 2) controller.abort(new Error('user typed'));
        }
      })(),
    );
    assert.ok(error instanceof CancelledError, String(error));
    assert.equal(received.length, 2, 'nothing is delivered after the abort');
    const after = await collect(backend.generate(completion(TS_PREFIX), signal));
    const reference = await collect(backend.generate(completion(TS_PREFIX), signal));
    assert.equal(after.text, reference.text);
  });

  it('cancels a queued request without running it', async () => {
    const controller = new AbortController();
    const running = collect(backend.generate(completion(PYTHON_PREFIX, { maxTokens: 64 }), signal, { ignoreEos: true }));
    const queued = collect(backend.generate(completion(TS_PREFIX), controller.signal));
    controller.abort();
    assert.ok((await rejection(queued)) instanceof CancelledError);
    assert.equal((await running).done?.finishReason, 'length');
  });

  it('refuses to start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    assert.ok((await rejection(collect(backend.generate(completion(TS_PREFIX), controller.signal)))) instanceof CancelledError);
  });

  it('counts prompt tokens with the model tokenizer', async () => {
    const tokens = await backend.countTokens('completion', PYTHON_PREFIX, signal);
    const { done } = await collect(backend.generate(completion(PYTHON_PREFIX, { maxTokens: 1 }), signal));
    assert.equal(tokens, done?.usage.promptTokens);
  });
});

describe('LocalBackend load errors', () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-local-'));
  const signal = new AbortController().signal;
  after(() => fs.rmSync(temp, { recursive: true, force: true }));

  async function loadFailure(config: Partial<TandemConfig['local']>): Promise<{ error: ModelLoadError; available: boolean }> {
    const backend = new LocalBackend({ config: { ...offline, ...config }, modelsRoot });
    try {
      const error = await rejection(collect(backend.generate(completion('x = 1\n'), signal)));
      assert.ok(error instanceof ModelLoadError, `expected ModelLoadError, got ${String(error)}`);
      return { error, available: backend.isAvailable('completion') };
    } finally {
      await backend.dispose();
    }
  }

  it('names a missing model directory', async () => {
    const missing = path.join(temp, 'no-such-model');
    const { error, available } = await loadFailure({ completionModel: missing });
    assert.equal(error.message, `Model directory "${missing}" does not exist.`);
    assert.equal(error.modelPath, missing);
    assert.equal(available, false);
  });

  it('names the corrupt ONNX file in one sentence, without a stack trace', async () => {
    const dir = path.join(temp, 'corrupt');
    fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) {
      if (fs.existsSync(path.join(bundledDir, file))) fs.copyFileSync(path.join(bundledDir, file), path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), 'this is not an onnx protobuf');
    const backend = new LocalBackend({ config: { ...offline, completionModel: dir }, modelsRoot });
    try {
      const error = await rejection(collect(backend.generate(completion('x = 1\n'), signal)));
      assert.ok(error instanceof ModelLoadError, `expected ModelLoadError, got ${String(error)}`);
      assert.ok(error.message.includes(path.join(dir, 'onnx', 'model_quantized.onnx')), error.message);
      assert.match(error.message, /corrupt or not an ONNX model/);
      assert.ok(!error.message.includes('\n') && !/\bat .+:\d+:\d+/.test(error.message), error.message);
      const status = backend.status();
      assert.equal(status.state, 'down');
      assert.equal(status.detail, error.message);
    } finally {
      await backend.dispose();
    }
  });

  it('refuses a hub id while remote models are not allowed', async () => {
    const { error } = await loadFailure({ completionModel: 'Qwen/Qwen2.5-Coder-0.5B' });
    assert.match(error.message, /^Model "Qwen\/Qwen2\.5-Coder-0\.5B" is not a local directory/);
    assert.match(error.message, /allowRemoteModels/);
  });

  it('keeps completions working when only the explain model is broken', async () => {
    const missing = path.join(temp, 'no-explain');
    const backend = new LocalBackend({ config: { ...offline, explainModel: missing }, modelsRoot });
    try {
      assert.equal(backend.isAvailable('completion'), true);
      const error = await rejection(collect(backend.generate(explain(PYTHON_FUNCTION), signal)));
      assert.ok(error instanceof ModelLoadError);
      assert.equal(backend.isAvailable('explain'), false);
      assert.equal(backend.status().state, 'degraded');
    } finally {
      await backend.dispose();
    }
  });
});
