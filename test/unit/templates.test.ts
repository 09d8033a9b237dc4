import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopSequences, truncateAtStop } from '../../server/src/completion/stops';
import { fimSentinels, formatFimPrompt, type FimFamily } from '../../server/src/completion/templates';

describe('FIM templates', () => {
  const prefix = 'def add(a, b):\n    ';
  const suffix = '\n\nprint(add(1, 2))\n';

  it('formats each family with its own sentinels, prefix before suffix', () => {
    assert.equal(formatFimPrompt('tandem', prefix, suffix), `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`);
    assert.equal(formatFimPrompt('starcoder', prefix, suffix), `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`);
    assert.equal(formatFimPrompt('codellama', prefix, suffix), `<PRE> ${prefix} <SUF>${suffix} <MID>`);
    assert.equal(formatFimPrompt('deepseek', prefix, suffix), `<｜fim▁begin｜>${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`);
    assert.equal(formatFimPrompt('qwen', prefix, suffix), `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`);
    assert.equal(formatFimPrompt('codegemma', prefix, suffix), `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`);
  });

  it('puts the suffix first for Codestral, and ends with the prefix for the model to continue', () => {
    assert.equal(formatFimPrompt('codestral', prefix, suffix), `[SUFFIX]${suffix}[PREFIX]${prefix}`);
    assert.equal(formatFimPrompt('codestral', '', ''), '[SUFFIX][PREFIX]');
  });

  it('stops each family at its own end tokens, the end of generation first', () => {
    const expectedFirst: Record<string, string> = {
      tandem: '<|endoftext|>',
      starcoder: '<|endoftext|>',
      qwen: '<|endoftext|>',
      codegemma: '<|file_separator|>',
      codellama: '<EOT>',
      deepseek: '<｜end▁of▁sentence｜>',
      codestral: '</s>',
    };
    for (const [family, first] of Object.entries(expectedFirst)) {
      assert.equal(fimSentinels(family as FimFamily)[0], first, family);
    }
    for (const token of ['<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|im_start|>', '<|fim_middle|>']) {
      assert.ok(fimSentinels('qwen').includes(token), `qwen stops at ${token}`);
    }
    assert.ok(fimSentinels('starcoder').includes('<file_sep>'));
    assert.ok(!fimSentinels('starcoder').includes('<|fim_pad|>'), 'Qwen2.5 spellings belong to the qwen family');
    assert.ok(fimSentinels('codestral').includes('[PREFIX]') && fimSentinels('codestral').includes('[SUFFIX]'));
    assert.ok(fimSentinels('codegemma').includes('<|fim_prefix|>'));
  });

  it('every family formats a prompt holding its own sentinels, none of another spelling', () => {
    const spellings = ['<fim_prefix>', '<|fim_prefix|>', '<PRE>', '<｜fim▁begin｜>', '[SUFFIX]'];
    for (const family of ['tandem', 'starcoder', 'qwen', 'codegemma', 'codellama', 'deepseek', 'codestral'] as FimFamily[]) {
      const prompt = formatFimPrompt(family, 'a', 'b');
      assert.equal(spellings.filter((s) => prompt.includes(s)).length, 1, `${family}: ${prompt}`);
    }
  });

  it("'none' is plain continuation: the suffix is not sent", () => {
    assert.equal(formatFimPrompt('none', prefix, suffix), prefix);
    assert.deepEqual(fimSentinels('none'), []);
  });

  it('keeps empty prefix and suffix well-formed', () => {
    assert.equal(formatFimPrompt('codellama', '', ''), '<PRE>  <SUF> <MID>');
    assert.equal(formatFimPrompt('starcoder', '', ''), '<fim_prefix><fim_suffix><fim_middle>');
  });
});

describe('stop sequences', () => {
  it('single-line stops at the first line break, before any sentinel', () => {
    const stops = stopSequences('codellama', false, 'python');
    assert.equal(stops[0], '\n');
    assert.ok(stops.includes('<EOT>'));
    assert.ok(!stops.includes('\n\n\n'));
  });

  it('multi-line stops on blank-line runs and new top-level definitions of the language', () => {
    const python = stopSequences('starcoder', true, 'python');
    assert.equal(python[0], '\n\n\n');
    assert.ok(python.includes('\ndef '));
    assert.ok(python.includes('<|endoftext|>'));
    assert.ok(!python.includes('\n'));
    assert.ok(stopSequences('deepseek', true, 'typescript').includes('\ninterface '));
    assert.deepEqual(stopSequences('none', true, 'unknown-language'), ['\n\n\n']);
  });

  it('truncateAtStop cuts at the earliest of several stops', () => {
    assert.equal(truncateAtStop('a = 1<EOT>junk\nmore', ['\n', '<EOT>']), 'a = 1');
    assert.equal(truncateAtStop('no stop here', ['\n', '<EOT>']), 'no stop here');
    assert.equal(truncateAtStop('x', ['']), 'x');
  });
});
