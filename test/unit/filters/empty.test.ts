import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dropEmpty } from '../../../server/src/completion/filters/empty';
import { contextAt } from './filterContext';

it('drops empty and whitespace-only text and keeps anything else', () => {
  const ctx = contextAt('x = |');
  assert.equal(dropEmpty('', ctx), '');
  assert.equal(dropEmpty(' \t\n  ', ctx), '');
  assert.equal(dropEmpty(' 1', ctx), ' 1');
});
