/**
 * Decoding features of the local backend on the bundled completion model:
 * - KV reuse across keystrokes: a prompt that extends the previous one prefills only its new
 *   tokens, and greedy output is the same as from a cold prefill;
 * - token healing: a prompt ending in a bare line break is backed up one token, and the model
 *   writes the line break with the indentation that follows it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type TandemConfig } from '../../server/src/config';
import { type GenerateChunk, type GenerateRequest } from '../../server/src/backends/backend';
import { LocalBackend, type GenerateTuning } from '../../server/src/backends/local/localBackend';
import { memoryLogger } from '../../server/src/logger';
import { packageRoot } from '../../server/src/packageRoot';

const offline: TandemConfig['local'] = { ...DEFAULT_CONFIG.local, allowRemoteModels: false };
const modelsRoot = process.env.TANDEM_MODELS_DIR ?? path.join(packageRoot(), 'models');

const FILE = [
  'import os',
  '',
  '',
  'def read_lines(path):',
  '    """Return the lines of a text file."""',
  '    with open(path) as f:',
  '        return [line.rstrip() for line in f]',
  '',
  '',
  'def count_words(path):',
  '    total = 0',
  '    for line in read_lines(path):',
  '        total += len(line.split())',
  '    return total',
  '',
  '',
  'def main():',
  '    for name in os.listdir("."):',
  '        if name.endswith(".txt"):',
  '            print(name, ',
].join('\n');

interface Run {
  text: string;
  promptTokens: number;
  evaluatedTokens: number | undefined;
}

async function run(backend: LocalBackend, prompt: string, tuning: GenerateTuning = {}): Promise<Run> {
  const request: GenerateRequest = { task: 'completion', prompt, maxTokens: 16, temperature: 0, stop: [] };
  let text = '';
  let done: Extract<GenerateChunk, { type: 'done' }> | undefined;
  for await (const chunk of backend.generate(request, new AbortController().signal, {
    contextCache: false,
    tokenHealing: false,
    ...tuning,
  })) {
    if (chunk.type === 'text') text += chunk.text;
    else done = chunk;
  }
  assert.ok(done, 'the stream ends with a done chunk');
  return { text, promptTokens: done.usage.promptTokens, evaluatedTokens: done.serverTimings?.promptTokens };
}

describe('KV reuse across keystrokes (bundled completion model)', () => {
  const backend = new LocalBackend({ config: offline, log: memoryLogger(), modelsRoot });

  before(async () => {
    await backend.warmup(['completion'], new AbortController().signal);
  });
  after(() => backend.dispose());

  it('prefills only the new tokens when the prompt extends the previous one, with the same greedy text', async () => {
    const typed = FILE + 'count_words(name)';
    await run(backend, FILE);
    const reused = await run(backend, typed);
    const cold = await run(backend, typed, { promptCache: false });

    assert.equal(cold.evaluatedTokens, cold.promptTokens, 'a cold run evaluates its whole prompt');
    assert.ok(
      reused.evaluatedTokens !== undefined && reused.evaluatedTokens < reused.promptTokens / 4,
      `the follow-up evaluated ${reused.evaluatedTokens} of ${reused.promptTokens} prompt tokens`,
    );
    assert.equal(reused.text, cold.text, 'reusing the KV cache does not change the greedy answer');
  });

  it('reuses only the shared prefix after an edit earlier in the prompt', async () => {
    await run(backend, FILE);
    const edited = FILE.replace('def count_words(path):', 'def count_all_words(path):');
    const after = await run(backend, edited);
    const cold = await run(backend, edited, { promptCache: false });
    assert.ok(
      after.evaluatedTokens !== undefined && after.evaluatedTokens > after.promptTokens / 3,
      'tokens after the edit are evaluated again',
    );
    assert.ok(after.evaluatedTokens < after.promptTokens, 'tokens before the edit are reused');
    assert.equal(after.text, cold.text);
  });

  it('an unrelated prompt is evaluated in full', async () => {
    await run(backend, FILE);
    const other = await run(backend, 'export function clamp(value: number, min: number, max: number): number {\n  if (');
    assert.equal(other.evaluatedTokens, other.promptTokens);
  });
});

describe('token healing (bundled completion model, prefix-only prompt)', () => {
  const backend = new LocalBackend({ config: { ...offline, fimTemplate: 'none' }, log: memoryLogger(), modelsRoot });
  const PROMPT = 'import os\n\n\ndef read_lines(path):\n    """Return the lines of a text file."""\n    with open(path) as f:\n';

  before(async () => {
    await backend.warmup(['completion'], new AbortController().signal);
  });
  after(() => backend.dispose());

  it('backs up over the final line break and lets the model write it with the indentation', async () => {
    const plain = await run(backend, PROMPT, { tokenHealing: false, promptCache: false });
    const healed = await run(backend, PROMPT, { tokenHealing: true, promptCache: false });
    assert.equal(healed.promptTokens, plain.promptTokens, 'usage counts the prompt as written');
    assert.equal(healed.evaluatedTokens, plain.promptTokens - 1, 'the last token was taken off the prefill');
    assert.ok(!healed.text.startsWith('\n'), `the healed line break is not shown again: ${JSON.stringify(healed.text)}`);
    // The bundled model, greedy: without healing it skips the block's indentation.
    assert.match(healed.text, /^ {8}\S/, `the body of the with-block, indented: ${JSON.stringify(healed.text)}`);
    assert.doesNotMatch(plain.text, /^ {8}\S/);
  });
});
