/**
 * Golden completion cases (test/fixtures/golden, one file per case, format in its README): the
 * document with the cursor, the model's raw text, and the suggestion the user should see, run
 * through the server's own steps — context and cursor situation, multi-line decision, stop
 * sequences, post-processing — with the tree-sitter grammars loaded.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_CONFIG, type TandemConfig } from '../../server/src/config';
import { buildCompletionContext } from '../../server/src/completion/context';
import { postProcess } from '../../server/src/completion/filters';
import { decideMultiline } from '../../server/src/completion/multiline';
import { stopSequences, truncateAtStop } from '../../server/src/completion/stops';
import { loadGrammars } from '../../server/src/completion/syntax/grammars';

const GOLDEN = join(__dirname, '../fixtures/golden');
const CURSOR = '║';

interface GoldenCase {
  file: string;
  language: string;
  multiline: TandemConfig['completion']['multiline'];
  description: string;
  document: string;
  raw: string;
  expected: string;
}

function readCase(file: string): GoldenCase {
  const text = readFileSync(join(GOLDEN, file), 'utf8').replaceAll('⇥', '\t');
  const [header = '', ...sections] = text.split(/^=== (document|raw|expected)\n/m);
  const fields = Object.fromEntries(
    header
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      }),
  );
  const body: Record<string, string> = {};
  for (let i = 0; i < sections.length; i += 2) body[sections[i] ?? ''] = (sections[i + 1] ?? '').replace(/\n$/, '');
  for (const name of ['document', 'raw', 'expected']) {
    if (body[name] === undefined) throw new Error(`${file}: no === ${name} section`);
  }
  return {
    file,
    language: fields.language ?? '',
    multiline: (fields.multiline ?? 'auto') as GoldenCase['multiline'],
    description: fields.description ?? '',
    document: body.document ?? '',
    raw: body.raw ?? '',
    expected: body.expected ?? '',
  };
}

function allCases(): GoldenCase[] {
  return readdirSync(GOLDEN, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(GOLDEN, dir.name))
        .filter((name) => name.endsWith('.txt'))
        .sort()
        .map((name) => `${dir.name}/${name}`),
    )
    .map(readCase);
}

/** What the server shows for this raw model text (completionService's steps, local template). */
function suggestion(golden: GoldenCase): string {
  const at = golden.document.indexOf(CURSOR);
  if (at === -1 || golden.document.indexOf(CURSOR, at + 1) !== -1) throw new Error(`${golden.file}: mark the cursor once with ${CURSOR}`);
  const text = golden.document.slice(0, at) + golden.document.slice(at + 1);
  const document = TextDocument.create(`file:///golden/${golden.file}`, golden.language, 1, text);
  const context = buildCompletionContext(document, document.positionAt(at), DEFAULT_CONFIG.completion);
  const multiline = decideMultiline(context, golden.multiline);
  const stops = stopSequences('tandem', multiline, golden.language);
  return postProcess(truncateAtStop(golden.raw, stops), { ...context, multiline });
}

const cases = allCases();

describe('golden completions', () => {
  before(async () => {
    const loaded = await loadGrammars(['python', 'typescript', 'javascript']);
    assert.deepEqual(loaded, ['python', 'typescript', 'javascript'], 'the grammars load offline from node_modules');
  });

  it('has at least 40 cases, in Python, TypeScript and JavaScript', () => {
    assert.ok(cases.length >= 40, `only ${String(cases.length)} cases`);
    for (const language of ['python', 'typescript', 'javascript']) {
      assert.ok(cases.filter((c) => c.language === language).length >= 10, `too few ${language} cases`);
    }
  });

  for (const golden of cases) {
    it(`${golden.file}: ${golden.description}`, () => {
      assert.equal(JSON.stringify(suggestion(golden)), JSON.stringify(golden.expected));
    });
  }
});
