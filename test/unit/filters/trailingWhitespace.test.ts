import assert from 'node:assert/strict';
import { it } from 'node:test';
import { trimTrailingWhitespace } from '../../../server/src/completion/filters/trailingWhitespace';
import { contextAt } from './filterContext';

it('removes spaces at line ends and trailing blank lines', () => {
  const ctx = contextAt('{|', { multiline: true });
  assert.equal(trimTrailingWhitespace('\n  a();  \n  b();\t\n\n\n', ctx), '\n  a();\n  b();');
  assert.equal(trimTrailingWhitespace('x = 1\r\ny = 2 \r\n', ctx), 'x = 1\ny = 2');
});

it('keeps the space that separates the completion from text after the cursor', () => {
  assert.equal(trimTrailingWhitespace('const ', contextAt('export |value = 1;')), 'const ');
  assert.equal(trimTrailingWhitespace('const ', contextAt('export |')), 'const');
});

it('leaves whitespace-only text empty', () => {
  assert.equal(trimTrailingWhitespace('  \n \n', contextAt('x|')), '');
});
