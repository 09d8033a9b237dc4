import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanBrackets } from '../../../server/src/completion/filters/bracketScan';

const problems = (text: string, languageId = 'typescript', outerUnknown = false) =>
  scanBrackets(text, { languageId, outerUnknown })
    .events.filter((e) => e.problem)
    .map((e) => `${e.char}:${e.problem}`);

describe('scanBrackets', () => {
  it('pairs brackets and reports what stays open, outermost first', () => {
    const scan = scanBrackets('f(a[1], { b: [2', { languageId: 'typescript' });
    assert.deepEqual(
      scan.unclosed.map((e) => e.char),
      ['(', '{', '['],
    );
    assert.deepEqual(problems('f(a[1])'), []);
  });

  it('reports stray and mismatched closers', () => {
    assert.deepEqual(problems('a)'), ['):excess']);
    assert.deepEqual(problems('(]'), [']:mismatch']);
  });

  it('treats a stray closer as fine when the text before is unknown', () => {
    assert.deepEqual(problems('a) }', 'typescript', true), []);
  });

  it('ignores brackets in strings and comments of the language', () => {
    assert.deepEqual(problems('s = ")" + \'(\' + `{`; // )\n/* ] */ x'), []);
    assert.deepEqual(problems('x = "a\\")"'), []);
    assert.deepEqual(problems('x = 1  # )\ny = """ ( """', 'python'), []);
    // In Python `//` is floor division, not a comment.
    assert.deepEqual(problems('x = a // b)', 'python'), ['):excess']);
  });

  it('ends ordinary strings at the line end and knows when text ends inside one', () => {
    assert.deepEqual(problems('x = "unterminated\n)'), ['):excess']);
    assert.equal(scanBrackets('print("hello', { languageId: 'python' }).endsInString, true);
    assert.equal(scanBrackets('print("hello")', { languageId: 'python' }).endsInString, false);
  });

  it('does not read Rust lifetimes as strings', () => {
    assert.deepEqual(problems("fn f<'a>(x: &'a str) {}", 'rust'), []);
  });
});
