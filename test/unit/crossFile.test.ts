/**
 * Context from other open files (completion/crossFile/): identifier similarity, ranking, the
 * token budget, the path comment, imports, the exclude rule, the local tokenizer meter, and how
 * the block enters a backend's prompt.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatSnippet, selectWithinBudget, type TokenMeter } from '../../server/src/completion/crossFile/budget';
import { CrossFileContext, queryText, type CrossFileSettings } from '../../server/src/completion/crossFile/crossFileContext';
import { identifierSet, jaccard } from '../../server/src/completion/crossFile/identifiers';
import { definitionLine, importedNames, moduleNameOfPath } from '../../server/src/completion/crossFile/imports';
import { languageFamily, lineComment } from '../../server/src/completion/crossFile/languages';
import { mergeRanked, rankSimilar, type Snippet } from '../../server/src/completion/crossFile/rank';
import { estimateTokens, TokenizerMeter } from '../../server/src/completion/crossFile/tokenMeter';
import { promptTrace } from '../../server/src/completion/crossFile/trace';
import { slideWindows } from '../../server/src/completion/crossFile/windowIndex';
import { buildCompletionContext } from '../../server/src/completion/context';
import { buildCompletionRequest } from '../../server/src/completion/request';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { DocumentWindow } from '../../server/src/documents/documentWindow';
import { fakeBackend } from './serviceFakes';

const SETTINGS: CrossFileSettings = { ...DEFAULT_CONFIG.completion, crossFileTokensLocal: 200, crossFileTokensOffload: 1000 };

function snippet(path: string, text: string, score: number, startLine = 0): Snippet {
  return { uri: `file:///w/${path}`, path, startLine, endLine: startLine + text.split('\n').length - 1, text, score, kind: 'similar' };
}

/** One token per character: budgets are easy to compute by hand. */
const charMeter: TokenMeter = { count: (text) => ({ tokens: text.length, exact: true }) };

describe('identifier similarity', () => {
  it('Jaccard is shared identifiers over all identifiers (hand-computed)', () => {
    const a = identifierSet('alpha = beta(gamma)');
    const b = identifierSet('beta.gamma(delta, epsilon)');
    assert.deepEqual([...a].sort(), ['alpha', 'beta', 'gamma']);
    // {beta, gamma} shared, {alpha, beta, gamma, delta, epsilon} in all: 2 / 5.
    assert.equal(jaccard(a, b), 0.4);
    assert.equal(jaccard(b, a), 0.4);
    assert.equal(jaccard(new Set(), new Set()), 0);
  });

  it('keywords and one-letter names do not count', () => {
    assert.deepEqual([...identifierSet('for i in range(n): return self.total')].sort(), ['range', 'total']);
  });
});

describe('ranking', () => {
  const windowsOf = (text: string) =>
    slideWindows(text.split('\n'), { windowLines: 2, stepLines: 2, maxDocumentChars: 1e6, maxWindowsPerDocument: 100 });

  it('slides windows of N lines with a step, skipping blank ones', () => {
    const windows = windowsOf('a1\nb1\n\n\nc1');
    assert.deepEqual(
      windows.map((w) => [w.startLine, w.endLine, w.text]),
      [
        [0, 1, 'a1\nb1'],
        [4, 4, 'c1'],
      ],
    );
  });

  it('takes the best window of each document, best document first, and drops those below the threshold', () => {
    const query = identifierSet('total = price * quantity');
    const ranked = rankSimilar(query, [
      // Best window: {price, quantity} of {price, quantity, total}∪... → 2 / 3.
      { uri: 'u1', path: 'one.py', windows: windowsOf('unrelated_name\nother_name\nprice\nquantity') },
      // {total, price, quantity, discount}: 3 / 4.
      { uri: 'u2', path: 'two.py', windows: windowsOf('total = price * quantity\ndiscount') },
      { uri: 'u3', path: 'three.py', windows: windowsOf('nothing_in_common\nat_all') },
    ]);
    assert.deepEqual(
      ranked.map((s) => [s.path, s.startLine, s.score]),
      [
        ['two.py', 0, 0.75],
        ['one.py', 2, 2 / 3],
      ],
    );
  });

  it('puts import definitions first and drops similar windows that overlap them', () => {
    const definition: Snippet = { ...snippet('lib.py', 'def f():\n    pass', 1, 4), kind: 'import' };
    const merged = mergeRanked([definition], [snippet('lib.py', 'x\ny', 0.5, 5), snippet('other.py', 'z', 0.3)]);
    assert.deepEqual(
      merged.map((s) => s.path),
      ['lib.py', 'other.py'],
    );
    assert.equal(merged[0]?.kind, 'import');
  });

  it('ranks against the complete lines above the cursor, not the line being typed', () => {
    assert.equal(queryText('a\nb\nc\npartial'), 'a\nb\nc');
    assert.equal(queryText('no line break yet'), '');
  });
});

describe('the budget and the path comment', () => {
  it('prefixes each snippet with the language line comment and its path', () => {
    assert.equal(formatSnippet({ path: 'lib/util.ts', text: 'export const x = 1;' }, '//'), '// lib/util.ts\nexport const x = 1;\n');
    assert.equal(formatSnippet({ path: 'util.py', text: 'X = 1\n' }, '#'), '# util.py\nX = 1\n');
    assert.equal(lineComment('python'), '#');
    assert.equal(lineComment('typescriptreact'), '//');
    assert.equal(lineComment('plaintext'), undefined);
    assert.equal(languageFamily('javascript'), languageFamily('typescript'));
    assert.notEqual(languageFamily('python'), languageFamily('javascript'));
  });

  it('takes snippets in rank order while they fit, skips one that does not, and puts the best last', () => {
    // Formatted lengths (one token per character): '# a.py\nAAAA\n' = 12, '# b.py\n' + 20 B + '\n' = 28, '# c.py\nC\n' = 9.
    const ranked = [snippet('a.py', 'AAAA', 0.9), snippet('b.py', 'B'.repeat(20), 0.8), snippet('c.py', 'C', 0.7)];
    const block = selectWithinBudget(ranked, 25, '#', charMeter);
    assert.deepEqual(
      block.snippets.map((s) => [s.path, s.tokens]),
      [
        ['a.py', 12],
        ['c.py', 9],
      ],
    );
    assert.equal(block.tokens, 21);
    assert.equal(block.text, '# c.py\nC\n# a.py\nAAAA\n');
    assert.equal(block.tokenSource, 'tokenizer');
    assert.equal(selectWithinBudget(ranked, 0, '#', charMeter).text, '');
  });

  it('says when a count was estimated', () => {
    const estimated: TokenMeter = { count: (text) => ({ tokens: estimateTokens(text), exact: false }) };
    const block = selectWithinBudget([snippet('a.py', 'AAAA', 0.9)], 100, '#', estimated);
    assert.equal(block.tokens, Math.ceil('# a.py\nAAAA\n'.length / 3));
    assert.equal(block.tokenSource, 'estimate');
  });
});

describe('imports', () => {
  it('reads named, namespace and require imports in TS/JS and from-imports in Python', () => {
    const ts =
      "import { clamp, average as mean } from './math';\nimport * as strings from '../lib/strings';\nconst { a: renamed } = require('./req');\n";
    assert.deepEqual(importedNames(ts, 'typescript', 'strings.pad(x); strings.trim(y)'), [
      { moduleName: 'math', names: ['clamp', 'average'] },
      { moduleName: 'req', names: ['a'] },
      { moduleName: 'strings', names: ['pad', 'trim'] },
    ]);
    const js = "const utils = require('./utils');\n";
    assert.deepEqual(importedNames(js, 'javascript', 'if (utils.isObject(x)) utils.escape(y)'), [
      { moduleName: 'utils', names: ['isObject', 'escape'] },
    ]);
    const py = 'from pkg.geometry import area, Point\nimport pkg.units as u\n';
    assert.deepEqual(importedNames(py, 'python', 'u.metres(3)'), [
      { moduleName: 'geometry', names: ['area', 'Point'] },
      { moduleName: 'units', names: ['metres'] },
    ]);
    assert.equal(moduleNameOfPath('/w/src/geometry.py'), 'geometry');
  });

  it('finds a definition before any use of the name', () => {
    const lines = ['x = area(2)', 'area(3)', 'def area(r):', '    return r * r', 'exports.escape = (s) => s;'];
    assert.equal(definitionLine(lines, 'area'), 2);
    assert.equal(definitionLine(lines, 'escape'), 4);
    assert.equal(definitionLine(lines, 'missing'), -1);
    assert.equal(definitionLine(['if (a == 1) {}', 'a == b', 'a = 2'], 'a'), 2);
  });
});

describe('the open documents offered', () => {
  it('come most recently used or edited first, and listing them marks none as used', () => {
    const window = new DocumentWindow({ maxDocumentBytes: () => 1e6 });
    for (const name of ['a', 'b', 'c']) window.open({ uri: `file:///${name}.py`, languageId: 'python', version: 1, text: name });
    window.get('file:///a.py');
    window.change({ textDocument: { uri: 'file:///b.py', version: 2 }, contentChanges: [{ text: 'bb' }] });
    assert.deepEqual(
      window.recent().map((d) => d.uri),
      ['file:///b.py', 'file:///a.py', 'file:///c.py'],
    );
    assert.deepEqual(
      window.recent().map((d) => d.uri),
      ['file:///b.py', 'file:///a.py', 'file:///c.py'],
    );
  });
});

describe('CrossFileContext', () => {
  const current = TextDocument.create(
    'file:///w/app/main.py',
    'python',
    1,
    'from geometry import area\n\ndef report(shape):\n    total_area = area(shape.radius)\n    print(total_area)\n    ',
  );
  const geometry = TextDocument.create(
    'file:///w/app/geometry.py',
    'python',
    1,
    'import math\n\n\ndef area(radius):\n    return math.pi * radius * radius\n',
  );
  const similar = TextDocument.create(
    'file:///w/app/shapes.py',
    'python',
    1,
    'class Shape:\n    radius = 1\n    def report(self, total_area):\n        print(total_area)\n',
  );
  const secret = TextDocument.create(
    'file:///w/app/secrets_store.py',
    'python',
    1,
    'def report(shape):\n    total_area = area(shape.radius)\n    print(total_area)\n',
  );
  const script = TextDocument.create(
    'file:///w/app/shape.js',
    'javascript',
    1,
    'function report(shape) { const total_area = area(shape.radius); print(total_area); }\n',
  );
  const untitled = TextDocument.create('untitled:Untitled-1', 'python', 1, 'def report(shape):\n    print(shape.radius, total_area)\n');

  function blocksFor(settings: CrossFileSettings, open: TextDocument[]) {
    const context = new CrossFileContext({ openDocuments: () => open });
    return context.blocks(current, current.getText(), settings);
  }

  it('offers the imported definition first, then similar files, with paths relative to the document', () => {
    const blocks = blocksFor(SETTINGS, [current, similar, geometry]);
    const sources = blocks.offload?.snippets.map((s) => [s.path, s.kind, s.startLine]);
    assert.deepEqual(sources, [
      ['geometry.py', 'import', 3],
      ['shapes.py', 'similar', 0],
    ]);
    assert.ok(blocks.offload?.text.startsWith('# shapes.py\n'), 'the best snippet sits last, nearest the code');
    assert.ok(blocks.offload?.text.endsWith('# geometry.py\ndef area(radius):\n    return math.pi * radius * radius\n'));
  });

  it('never reads an excluded document, another language family, nor the document itself', () => {
    const settings = { ...SETTINGS, exclude: [...SETTINGS.exclude] };
    const blocks = blocksFor(settings, [secret, script, current]);
    // secrets_store.py matches the default `**/secrets*`; shape.js is JavaScript.
    assert.deepEqual(blocks, {});
    const allowed = blocksFor({ ...SETTINGS, exclude: [] }, [secret]);
    assert.deepEqual(
      allowed.offload?.snippets.map((s) => s.path),
      ['secrets_store.py'],
      'the same file lends context once not excluded',
    );
  });

  it("gives an untitled document's text to the local prompt only", () => {
    const blocks = blocksFor(SETTINGS, [untitled]);
    assert.equal(blocks.local?.snippets.length, 1);
    assert.equal(blocks.offload?.snippets.length, 0);
  });

  it('is off with both budgets 0, and a backend with budget 0 gets an empty block', () => {
    assert.deepEqual(blocksFor({ ...SETTINGS, crossFileTokensLocal: 0, crossFileTokensOffload: 0 }, [similar]), {});
    const blocks = blocksFor({ ...SETTINGS, crossFileTokensLocal: 0 }, [similar]);
    assert.equal(blocks.local?.text, '');
    assert.ok(blocks.offload?.text);
  });
});

describe('the local tokenizer meter', () => {
  it('estimates first, counts in the background once per text, then answers exactly', async () => {
    const asked: string[] = [];
    const meter = new TokenizerMeter(async (text) => {
      asked.push(text);
      return 2;
    });
    assert.deepEqual(meter.count('abcdefghi'), { tokens: 3, exact: false });
    assert.deepEqual(meter.count('abcdefghi'), { tokens: 3, exact: false }, 'still estimated while counting');
    await meter.settled();
    assert.deepEqual(meter.count('abcdefghi'), { tokens: 2, exact: true });
    assert.deepEqual(asked, ['abcdefghi'], 'one count per distinct text');
    // The next unknown text is estimated with the ratio measured so far (9 characters / 2 tokens).
    assert.deepEqual(meter.count('123456789'), { tokens: 2, exact: false });
    meter.dispose();
  });

  it('never counts when the tokenizer is not available (model not loaded)', () => {
    const meter = new TokenizerMeter(() => undefined);
    assert.deepEqual(meter.count('abcdef'), { tokens: 2, exact: false });
  });
});

describe('the block in a prompt', () => {
  const document = TextDocument.create('file:///w/app/main.py', 'python', 1, 'x = 1\ny = x + ');
  const context = buildCompletionContext(document, { line: 1, character: 8 }, DEFAULT_CONFIG.completion);
  const block = selectWithinBudget([snippet('lib.py', 'def helper():\n    return 2', 0.5)], 100, '#', charMeter);

  it('goes before the prefix, for the backend it was budgeted for only', () => {
    const withBlock = { ...context, crossFile: { offload: block } };
    const offload = buildCompletionRequest(
      fakeBackend('offload', { fimTemplate: 'starcoder' }),
      withBlock,
      false,
      DEFAULT_CONFIG.completion,
    );
    assert.equal(offload.prompt, '<fim_prefix># lib.py\ndef helper():\n    return 2\nx = 1\ny = x + <fim_suffix><fim_middle>');
    const local = buildCompletionRequest(fakeBackend('local', { fimTemplate: 'starcoder' }), withBlock, false, DEFAULT_CONFIG.completion);
    assert.equal(local.prompt, '<fim_prefix>x = 1\ny = x + <fim_suffix><fim_middle>');
  });

  it('takes its room from a backend window, never more than half of it', () => {
    const long = TextDocument.create('file:///w/app/main.py', 'python', 1, `${'a = 1\n'.repeat(40)}b = `);
    const longContext = buildCompletionContext(long, { line: 40, character: 4 }, DEFAULT_CONFIG.completion);
    const backend = { ...fakeBackend('local', { fimTemplate: 'none' }), completionContextChars: 60 };
    const request = buildCompletionRequest(backend, { ...longContext, crossFile: { local: block } }, false, DEFAULT_CONFIG.completion);
    // Block: 36 characters; the own code keeps max(60 - 36, 30) = 30 characters (whole lines).
    assert.ok(request.prompt.startsWith(block.text));
    assert.equal(request.prompt.slice(block.text.length), `${'a = 1\n'.repeat(4)}b = `);
  });

  it('is traced with sources and sizes', () => {
    const trace = promptTrace('offload', block, { prompt: 'abc', suffix: 'de' });
    assert.equal(trace.promptChars, 5);
    assert.equal(trace.crossFileTokens, block.tokens);
    assert.deepEqual(
      trace.sources.map(({ path, startLine, endLine, kind }) => ({ path, startLine, endLine, kind })),
      [{ path: 'lib.py', startLine: 0, endLine: 1, kind: 'similar' }],
    );
  });
});
