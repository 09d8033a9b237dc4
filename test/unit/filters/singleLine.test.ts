import assert from 'node:assert/strict';
import { it } from 'node:test';
import { truncateToSingleLine } from '../../../server/src/completion/filters/singleLine';
import { contextAt } from './filterContext';

it('single-line mode keeps only the first line (LF or CRLF)', () => {
  assert.equal(truncateToSingleLine('a + b;\nreturn c;', contextAt('x = |')), 'a + b;');
  assert.equal(truncateToSingleLine('a + b;\r\nreturn c;', contextAt('x = |')), 'a + b;');
  assert.equal(truncateToSingleLine('\nreturn c;', contextAt('x = 1|')), '');
  assert.equal(truncateToSingleLine('a + b;', contextAt('x = |')), 'a + b;');
});

it('multi-line mode leaves the text alone', () => {
  const text = 'a + b;\nreturn c;';
  assert.equal(truncateToSingleLine(text, contextAt('x = |', { multiline: true })), text);
});
