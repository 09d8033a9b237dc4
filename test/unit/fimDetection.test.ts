/**
 * Which FIM family a local model speaks, read from its own files (config.json, tokenizer_config.json,
 * tokenizer.json) before its name is guessed at. The fixtures are small synthetic model directories
 * holding only the fields the detection reads, with the token spellings of the real tokenizers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fimFamilyFromFormat, fimFamilyFromTokens } from '../../server/src/backends/fimDetection';
import { readDeclaredFimFamily } from '../../server/src/backends/local/modelFiles';
import { defaultModelsRoot, guessFimTemplate, type ModelLocation } from '../../server/src/backends/local/modelLocation';
import { formatFimPrompt } from '../../server/src/completion/templates';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fim-detect-'));
after(() => fs.rmSync(temp, { recursive: true, force: true }));

let dirs = 0;
function modelDir(files: Record<string, unknown>): string {
  const dir = path.join(temp, `m${dirs++}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

/** tokenizer_config.json as transformers writes it: added_tokens_decoder keyed by id. */
const tokenizerConfig = (tokens: string[], extra: Record<string, unknown> = {}) => ({
  added_tokens_decoder: Object.fromEntries(tokens.map((content, i) => [String(1000 + i), { content, special: true }])),
  ...extra,
});

/** tokenizer.json: added tokens plus a BPE vocabulary object. */
const tokenizerJson = (added: string[], vocab: Record<string, number> = { a: 0, b: 1 }) => ({
  added_tokens: added.map((content, id) => ({ id: 100 + id, content, special: true })),
  model: { type: 'BPE', vocab },
});

describe('FIM family from tokenizer files', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'Qwen2.5-Coder (added_tokens_decoder)',
      {
        'tokenizer_config.json': tokenizerConfig([
          '<|endoftext|>',
          '<|im_start|>',
          '<|fim_prefix|>',
          '<|fim_middle|>',
          '<|fim_suffix|>',
          '<|fim_pad|>',
          '<|repo_name|>',
          '<|file_sep|>',
        ]),
      },
      'qwen',
    ],
    [
      'CodeGemma (<|fim_prefix|> with <|file_separator|>)',
      {
        'tokenizer_config.json': tokenizerConfig([
          '<pad>',
          '<eos>',
          '<bos>',
          '<|fim_prefix|>',
          '<|fim_middle|>',
          '<|fim_suffix|>',
          '<|file_separator|>',
        ]),
      },
      'codegemma',
    ],
    [
      'StarCoder2 (additional_special_tokens)',
      {
        'tokenizer_config.json': {
          additional_special_tokens: ['<|endoftext|>', '<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<file_sep>'],
        },
      },
      'starcoder',
    ],
    [
      'CodeLlama (SentencePiece pieces with ▁)',
      {
        'tokenizer_config.json': {
          prefix_token: '▁<PRE>',
          middle_token: '▁<MID>',
          suffix_token: '▁<SUF>',
          eot_token: '▁<EOT>',
          fill_token: '<FILL_ME>',
        },
      },
      'codellama',
    ],
    [
      'DeepSeek-Coder (tokenizer.json added_tokens)',
      {
        'tokenizer_config.json': {},
        'tokenizer.json': tokenizerJson(['<｜begin▁of▁sentence｜>', '<｜fim▁hole｜>', '<｜fim▁begin｜>', '<｜fim▁end｜>', '<|EOT|>']),
      },
      'deepseek',
    ],
    [
      'Codestral (control tokens in the vocabulary only)',
      { 'tokenizer.json': tokenizerJson(['<s>', '</s>'], { '<unk>': 0, '[INST]': 3, '[PREFIX]': 7, '[MIDDLE]': 8, '[SUFFIX]': 9, a: 10 }) },
      'codestral',
    ],
    [
      'a Unigram vocabulary ([piece, score] pairs)',
      {
        'tokenizer.json': {
          added_tokens: [],
          model: {
            type: 'Unigram',
            vocab: [
              ['<unk>', 0],
              ['<fim_prefix>', 0],
              ['x', -1],
            ],
          },
        },
      },
      'starcoder',
    ],
    [
      'a tokenizer without FIM tokens',
      { 'tokenizer_config.json': tokenizerConfig(['<|endoftext|>']), 'tokenizer.json': tokenizerJson(['<|endoftext|>']) },
      'none',
    ],
  ];
  for (const [name, files, family] of cases) {
    it(`reads ${family} from ${name}`, () => assert.equal(readDeclaredFimFamily(modelDir(files)), family));
  }

  it("config.json's tandem.fim_format wins over the tokenizer", () => {
    const format = '<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>';
    const dir = modelDir({ 'config.json': { tandem: { fim_format: format } }, 'tokenizer.json': tokenizerJson(['<fim_prefix>']) });
    assert.equal(readDeclaredFimFamily(dir), 'tandem');
    assert.equal(
      readDeclaredFimFamily(
        modelDir({ 'config.json': { tandem: { fim_format: '??{prefix}' } }, 'tokenizer.json': tokenizerJson(['<fim_prefix>']) }),
      ),
      'starcoder',
      'an unknown format falls through',
    );
  });

  it('says nothing when there is no tokenizer to read', () => {
    assert.equal(readDeclaredFimFamily(path.join(temp, 'missing')), undefined);
    assert.equal(readDeclaredFimFamily(modelDir({ 'config.json': { model_type: 'qwen2' } })), undefined);
    assert.equal(readDeclaredFimFamily(modelDir({ 'tokenizer.json': '{ not json' })), undefined);
  });

  it('reads the bundled model as Tandem', () => {
    assert.equal(readDeclaredFimFamily(path.join(defaultModelsRoot(), 'tandem-complete-mini')), 'tandem');
  });
});

describe('FIM family from sentinel spellings and formats', () => {
  it('matches each family by its prefix sentinel', () => {
    const of = (...tokens: string[]) => fimFamilyFromTokens((t) => tokens.includes(t));
    assert.equal(of('<|fim_prefix|>', '<|file_sep|>'), 'qwen');
    assert.equal(of('<|fim_prefix|>', '<|file_separator|>'), 'codegemma');
    assert.equal(of('<fim_prefix>'), 'starcoder');
    assert.equal(of('<PRE>'), 'codellama');
    assert.equal(of('<｜fim▁begin｜>'), 'deepseek');
    assert.equal(of('[PREFIX]', '[SUFFIX]'), 'codestral');
    assert.equal(of('[PREFIX]'), undefined, 'half a pair is no FIM vocabulary');
    assert.equal(of('<fim-prefix>'), undefined, "SantaCoder's hyphenated spelling is no family here");
  });

  it("recognises every family's own format string", () => {
    for (const family of ['tandem', 'codellama', 'qwen', 'deepseek', 'codestral'] as const) {
      assert.equal(fimFamilyFromFormat(formatFimPrompt(family, '{prefix}', '{suffix}')), family);
    }
    assert.equal(fimFamilyFromFormat('{prefix}'), undefined);
  });
});

describe('guessFimTemplate', () => {
  const hubCache = path.join(temp, 'hub');

  it('prefers what a model directory declares over its name', () => {
    const dir = modelDir({ 'tokenizer_config.json': tokenizerConfig(['<|fim_prefix|>', '<|file_sep|>']) });
    const location: ModelLocation = { kind: 'directory', path: dir, name: 'starcoder-lookalike', bundled: false };
    assert.equal(guessFimTemplate(location, hubCache), 'qwen');
  });

  it('falls back to the name, and to no template for an unknown name', () => {
    const missing = path.join(temp, 'not-downloaded');
    assert.equal(guessFimTemplate({ kind: 'directory', path: missing, name: 'codegemma-2b', bundled: false }, hubCache), 'codegemma');
    assert.equal(guessFimTemplate({ kind: 'hub', id: 'Qwen/Qwen2.5-Coder-0.5B', name: 'Qwen/Qwen2.5-Coder-0.5B' }, hubCache), 'qwen');
    assert.equal(guessFimTemplate({ kind: 'hub', id: 'someone/plain-lm', name: 'someone/plain-lm' }, hubCache), 'none');
  });

  it("reads a hub model's downloaded copy in the cache", () => {
    const copy = path.join(hubCache, 'someone', 'renamed-coder');
    fs.mkdirSync(copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(['<｜fim▁begin｜>'])));
    assert.equal(guessFimTemplate({ kind: 'hub', id: 'someone/renamed-coder', name: 'someone/renamed-coder' }, hubCache), 'deepseek');
  });

  it('keeps Tandem for the bundled model and an unresolved setting', () => {
    assert.equal(guessFimTemplate(undefined, hubCache), 'tandem');
    const bundled: ModelLocation = {
      kind: 'directory',
      path: path.join(temp, 'no-files-here'),
      name: 'tandem-complete-mini',
      bundled: true,
    };
    assert.equal(guessFimTemplate(bundled, hubCache), 'tandem');
  });
});
