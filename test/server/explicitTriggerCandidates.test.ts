/**
 * An explicit trigger (triggerKind Invoked) over LSP with the bundled local model: several
 * distinct suggestions at a line end of a held-out file, one at an automatic trigger. The spots
 * are fixed (evenly spread line ends of one file) and the samples seeded, so the run repeats;
 * the seeds themselves are checked on the local backend.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  InlineCompletionRequest,
  InlineCompletionTriggerKind,
  type InlineCompletionItem,
  type InlineCompletionList,
} from 'vscode-languageserver/node';
import { collect, type GenerateRequest } from '../../server/src/backends/backend';
import { LocalBackend } from '../../server/src/backends/local/localBackend';
import { sameness } from '../../server/src/completion/candidates';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { memoryLogger } from '../../server/src/logger';
import { packageRoot } from '../../server/src/packageRoot';
import { loadGrammars } from '../../server/src/completion/syntax/grammars';
import { startInProcessServer, type InProcessServer } from '../support/inProcessServer';

const FILE = join(__dirname, '../fixtures/heldout/python/statistics.py');
const URI = 'file:///workspace/python/statistics.py';
const SPOTS = 8;

/** Ends of non-blank lines past the imports, spread evenly over the file. */
function lineEnds(text: string): Array<{ line: number; character: number }> {
  const lines = text
    .split('\n')
    .map((content, line) => ({ content, line }))
    .filter(({ content, line }) => line >= 10 && content.trim() !== '');
  const step = Math.floor(lines.length / SPOTS);
  return Array.from({ length: SPOTS }, (_, i) => lines[i * step + (step >> 1)] ?? { content: '', line: 0 }).map(({ content, line }) => ({
    line,
    character: content.length,
  }));
}

async function complete(
  server: InProcessServer,
  position: { line: number; character: number },
  triggerKind: InlineCompletionTriggerKind,
): Promise<string[]> {
  const reply: InlineCompletionList | InlineCompletionItem[] | null = await server.client.connection.sendRequest(
    InlineCompletionRequest.type,
    {
      textDocument: { uri: URI },
      position,
      context: { triggerKind },
    },
  );
  const items = Array.isArray(reply) ? reply : (reply?.items ?? []);
  return items.map((item) => (typeof item.insertText === 'string' ? item.insertText : item.insertText.value));
}

describe('seeded sampling on the local backend (bundled completion model)', () => {
  const modelsRoot = process.env.TANDEM_MODELS_DIR ?? path.join(packageRoot(), 'models');
  const backend = new LocalBackend({ config: { ...DEFAULT_CONFIG.local, allowRemoteModels: false }, log: memoryLogger(), modelsRoot });
  const prompt = 'import os\n\n\ndef list_text_files(folder):\n    ';
  const sample = async (seed: number) => {
    const request: GenerateRequest = { task: 'completion', prompt, maxTokens: 16, temperature: 0.8, seed, stop: [] };
    return (await collect(backend.generate(request, new AbortController().signal))).text;
  };

  before(async () => {
    await backend.warmup(['completion'], new AbortController().signal);
  });
  after(() => backend.dispose());

  it('the same seed repeats a sample; different seeds give different samples', async () => {
    const first = await sample(1);
    assert.equal(await sample(1), first);
    const others = new Set([first, await sample(2), await sample(3), await sample(4)]);
    assert.ok(others.size >= 2, `four seeds gave ${String(others.size)} distinct samples: ${JSON.stringify([...others])}`);
  });
});

// Last: closing the in-process server's connection ends the test process.
describe('explicit trigger: several candidates from the bundled model (over LSP)', () => {
  let server: InProcessServer;

  before(async () => {
    await loadGrammars();
    server = await startInProcessServer((url) => ({
      routing: { policy: 'local' },
      offload: { url, maxRetries: 0 },
      // No deadline in the way on a busy test machine: what is measured is which items come back.
      completion: { debounceMs: 0, timeoutMs: 60000 },
    }));
    await server.client.open(URI, 'python', readFileSync(FILE, 'utf8'));
  });

  after(async () => {
    await server?.close();
  });

  it('returns up to three distinct, non-empty suggestions, more than one somewhere', async (t) => {
    const counts: number[] = [];
    for (const spot of lineEnds(readFileSync(FILE, 'utf8'))) {
      const texts = await complete(server, spot, InlineCompletionTriggerKind.Invoked);
      assert.ok(texts.length <= 3, `${String(texts.length)} items at line ${String(spot.line + 1)}`);
      assert.ok(
        texts.every((text) => sameness(text) !== ''),
        'no empty item',
      );
      assert.equal(
        new Set(texts.map(sameness)).size,
        texts.length,
        `duplicates at line ${String(spot.line + 1)}: ${JSON.stringify(texts)}`,
      );
      counts.push(texts.length);
    }
    t.diagnostic(`items per explicit trigger at ${String(counts.length)} line ends: ${counts.join(' ')}`);
    assert.ok(
      counts.some((count) => count >= 2),
      'several suggestions somewhere',
    );
  });

  it('an automatic trigger at the same spots returns one suggestion at most', async () => {
    for (const spot of lineEnds(readFileSync(FILE, 'utf8')).slice(0, 3)) {
      assert.ok((await complete(server, spot, InlineCompletionTriggerKind.Automatic)).length <= 1);
    }
  });
});
