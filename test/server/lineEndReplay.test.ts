/**
 * Replays the held-out fixtures over LSP with the bundled local model, the cursor at the end of
 * a sample of lines (every few non-blank lines of every file, in Python, TypeScript and
 * JavaScript, over 60 in all): a suggestion there either continues the line or starts with the
 * line break. The bug this guards against: the model's next line glued onto the current one
 * (`raw = self.read_token()          if self.debug`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadGrammars } from '../../server/src/completion/syntax/grammars';
import { startInProcessServer, type InProcessServer } from '../support/inProcessServer';

const HELDOUT = join(__dirname, '../fixtures/heldout');
const LANGUAGES = [
  { dir: 'python', languageId: 'python' },
  { dir: 'typescript', languageId: 'typescript' },
  { dir: 'javascript', languageId: 'javascript' },
] as const;
/** Line ends per file: spread evenly over the file, skipping the first lines (imports). */
const PER_FILE = 6;

interface LineEnd {
  uri: string;
  languageId: string;
  line: number;
  character: number;
  text: string;
}

function sampleLineEnds(): LineEnd[] {
  const ends: LineEnd[] = [];
  for (const { dir, languageId } of LANGUAGES) {
    for (const name of readdirSync(join(HELDOUT, dir)).sort()) {
      const lines = readFileSync(join(HELDOUT, dir, name), 'utf8').split('\n');
      const candidates = lines.map((text, line) => ({ text, line })).filter(({ text, line }) => line >= 10 && text.trim() !== '');
      const step = Math.max(1, Math.floor(candidates.length / PER_FILE));
      for (let i = step >> 1; i < candidates.length && ends.filter((e) => e.uri.endsWith(name)).length < PER_FILE; i += step) {
        const { text, line } = candidates[i] ?? { text: '', line: 0 };
        ends.push({ uri: `file:///workspace/${dir}/${name}`, languageId, line, character: text.length, text });
      }
    }
  }
  return ends;
}

/** Text that would be glued onto the line: it starts with a blank, not with the line break. */
function startsWithBlank(suggestion: string): boolean {
  return /^[ \t]/.test(suggestion);
}

describe('line-end replay of the held-out fixtures (bundled model, over LSP)', () => {
  let server: InProcessServer;
  const ends = sampleLineEnds();

  before(async () => {
    await loadGrammars();
    server = await startInProcessServer((url) => ({
      routing: { policy: 'local' },
      offload: { url, maxRetries: 0 },
      completion: { debounceMs: 0 },
    }));
    const opened = new Set<string>();
    for (const end of ends) {
      if (opened.has(end.uri)) continue;
      opened.add(end.uri);
      const [, dir, name] = /workspace\/(\w+)\/(.+)$/.exec(end.uri) ?? [];
      await server.client.open(end.uri, end.languageId, readFileSync(join(HELDOUT, dir ?? '', name ?? ''), 'utf8'));
    }
  });

  after(async () => {
    await server?.close();
  });

  it('samples over 60 line ends across the three languages', () => {
    assert.ok(ends.length >= 60, `only ${String(ends.length)} line ends`);
    for (const { languageId } of LANGUAGES) assert.ok(ends.some((end) => end.languageId === languageId));
  });

  it('never suggests text that starts with a blank but no line break at the end of a line', async (t) => {
    const glued: string[] = [];
    let shown = 0;
    let nextLines = 0;
    for (const end of ends) {
      const items = await server.client.complete(end.uri, end.line, end.character).result;
      const text = items[0]?.insertText;
      if (typeof text !== 'string' || text === '') continue;
      shown++;
      if (text.startsWith('\n')) nextLines++;
      if (startsWithBlank(text)) glued.push(`${end.uri}:${String(end.line + 1)} ${JSON.stringify(end.text)} + ${JSON.stringify(text)}`);
    }
    t.diagnostic(
      `${String(ends.length)} line ends, ${String(shown)} suggestions, ${String(nextLines)} start with a line break, ${String(glued.length)} with a blank`,
    );
    assert.ok(shown > 0, 'the model suggested something');
    assert.deepEqual(glued, []);
  });
});
