/**
 * The prompt format per cursor situation: a backend that declares a line-end template (the
 * bundled model: prefix only) gets it where the answer is a new line, and its FIM template
 * elsewhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Backend } from '../../server/src/backends/backend';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { buildCompletionContext } from '../../server/src/completion/context';
import { buildCompletionRequest } from '../../server/src/completion/request';
import { fakeBackend } from './serviceFakes';

const local: Backend = { ...fakeBackend('local', { fimTemplate: 'tandem' }), lineEndTemplate: 'none' };
const CODE = 'def area(r):\n    pi = 3.14\n    return pi * r * r\n\nprint(area(2))\n';

function promptAt(backend: Backend, line: number, character: number): string {
  const document = TextDocument.create('file:///a.py', 'python', 1, CODE);
  const context = buildCompletionContext(document, { line, character }, DEFAULT_CONFIG.completion);
  return buildCompletionRequest(backend, context, true, DEFAULT_CONFIG.completion).prompt;
}

describe('prompt format per cursor situation', () => {
  it('a new line (after a complete statement, after an opener) is asked from the prefix alone', () => {
    assert.equal(promptAt(local, 1, 13), 'def area(r):\n    pi = 3.14\n');
    assert.equal(promptAt(local, 0, 12), 'def area(r):\n');
  });

  it('mid-line keeps the FIM template, so the text after the cursor stays in view', () => {
    const prompt = promptAt(local, 2, 11);
    assert.ok(prompt.startsWith('<fim_prefix>def area(r):') && prompt.includes('<fim_suffix>pi * r * r'), prompt);
  });

  it('a backend without a line-end template uses its FIM template everywhere', () => {
    assert.ok(promptAt(fakeBackend('local', { fimTemplate: 'tandem' }), 1, 13).startsWith('<fim_prefix>'));
  });
});
