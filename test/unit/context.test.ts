import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { BinaryContentError, buildCompletionContext } from '../../server/src/completion/context';
import { looksBinary } from '../../server/src/pipeline/binary';
import { InvalidPositionError } from '../../server/src/pipeline/documentPosition';

const limits = { maxPrefixChars: 4000, maxSuffixChars: 1500 };
const doc = (text: string, languageId = 'python') => TextDocument.create('file:///t.py', languageId, 1, text);

describe('buildCompletionContext', () => {
  it('splits the document and the current line at the cursor', () => {
    const ctx = buildCompletionContext(doc('import os\ndef f(x):\n    return x\n'), { line: 1, character: 4 }, limits);
    assert.equal(ctx.prefix, 'import os\ndef ');
    assert.equal(ctx.suffix, 'f(x):\n    return x\n');
    assert.equal(ctx.linePrefix, 'def ');
    assert.equal(ctx.lineSuffix, 'f(x):');
    assert.equal(ctx.languageId, 'python');
    assert.equal(ctx.offset, 14);
    assert.equal(ctx.prefixTruncated, false);
  });

  it('handles CRLF lines, the end of a line and the last empty line', () => {
    const text = 'a = 1\r\nb = 2\r\n';
    const endOfFirst = buildCompletionContext(doc(text), { line: 0, character: 5 }, limits);
    assert.equal(endOfFirst.linePrefix, 'a = 1');
    assert.equal(endOfFirst.lineSuffix, '');
    const last = buildCompletionContext(doc(text), { line: 2, character: 0 }, limits);
    assert.equal(last.prefix, text);
    assert.equal(last.suffix, '');
  });

  it('cuts the prefix and suffix windows at line boundaries', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(2, '0')} xxxxxxxxxx`);
    const text = lines.join('\n');
    const ctx = buildCompletionContext(doc(text), { line: 25, character: 4 }, { maxPrefixChars: 100, maxSuffixChars: 100 });
    assert.ok(ctx.prefix.length <= 100);
    assert.ok(ctx.suffix.length <= 100);
    assert.match(ctx.prefix, /^line \d\d /, 'prefix starts at a line start');
    assert.ok(ctx.prefix.endsWith('\nline'));
    assert.match(ctx.suffix, /xxxxxxxxxx$/, 'suffix ends at a line end');
    assert.equal(ctx.prefixTruncated, true);
  });

  it('cuts by characters when the window holds a single huge line', () => {
    const line = 'x'.repeat(50_000);
    const ctx = buildCompletionContext(doc(line), { line: 0, character: 25_000 }, limits);
    assert.equal(ctx.prefix.length, 4000);
    assert.equal(ctx.suffix.length, 1500);
    assert.equal(ctx.linePrefix.length, 4000, 'the line prefix is bounded by the window too');
  });

  it('serves a 10 MB document with windows of the configured size', () => {
    const line = 'value = compute(value, 42)  # keep going\n';
    const text = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    const document = doc(text);
    const middle = Math.floor(document.lineCount / 2);
    const ctx = buildCompletionContext(document, { line: middle, character: 8 }, limits);
    assert.ok(ctx.prefix.length <= 4000 && ctx.prefix.length > 3000);
    assert.ok(ctx.suffix.length <= 1500 && ctx.suffix.length > 1000);
    assert.equal(ctx.linePrefix, 'value = ');
    assert.equal(ctx.offset, middle * line.length + 8);
  });

  it('rejects positions outside the document with a typed error', () => {
    const document = doc('a = 1\nb = 2');
    for (const position of [
      { line: 2, character: 0 },
      { line: 0, character: 6 },
      { line: -1, character: 0 },
      { line: 0, character: -1 },
      { line: 0.5, character: 0 },
      { line: Number.NaN, character: 0 },
    ]) {
      assert.throws(() => buildCompletionContext(document, position, limits), InvalidPositionError, JSON.stringify(position));
    }
  });

  it('refuses binary content near the cursor', () => {
    const withNul = doc('PK\u0003\u0004\u0000\u0000 header');
    assert.throws(() => buildCompletionContext(withNul, { line: 0, character: 3 }, limits), BinaryContentError);
    const controls = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? '\u0001' : 'a')).join('');
    assert.throws(() => buildCompletionContext(doc(controls), { line: 0, character: 200 }, limits), BinaryContentError);
  });
});

describe('looksBinary', () => {
  it('accepts ordinary source text, tabs, CRLF and ANSI escapes', () => {
    assert.equal(looksBinary('def f():\r\n\treturn "é ✓"\n'), false);
    assert.equal(looksBinary('\u001b[31mred\u001b[0m log line'), false);
    assert.equal(looksBinary(''), false);
  });

  it('flags NUL bytes and text dense with control or replacement characters', () => {
    assert.equal(looksBinary('abc\u0000def'), true);
    assert.equal(looksBinary('ab\ufffd\ufffdcd\u0002\u0003ef'), true);
    assert.equal(looksBinary('a normal line with one \u0002 stray control character in it'), false);
  });
});
