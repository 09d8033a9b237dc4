import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { registerInlineProvider } from '../../../extension/src/registerInlineProvider';

/**
 * VS Code's own rule (extHost.api.impl.ts): a provider with the inlineCompletionsAdditions hooks
 * may only be registered when that API proposal is enabled for the extension.
 */
function fakeLanguages(proposalEnabled: boolean) {
  const registered: vscode.InlineCompletionItemProvider[] = [];
  return {
    registered,
    registerInlineCompletionItemProvider(_selector: vscode.DocumentSelector, provider: vscode.InlineCompletionItemProvider) {
      const hooks = provider as { handleDidShowCompletionItem?: unknown; handleDidPartiallyAcceptCompletionItem?: unknown };
      if (!proposalEnabled && (hooks.handleDidShowCompletionItem || hooks.handleDidPartiallyAcceptCompletionItem)) {
        throw new Error("Extension 'tandem-dev.tandem' CANNOT use API proposal: inlineCompletionsAdditions.\nIts package.json…");
      }
      registered.push(provider);
      return { dispose() {} };
    },
  };
}

const items = [{ insertText: 'x' }] as unknown as vscode.InlineCompletionItem[];
const provider = {
  provideInlineCompletionItems: () => items,
  handleDidShowCompletionItem: () => undefined,
  handleDidPartiallyAcceptCompletionItem: () => undefined,
};
const args = [{}, {}, {}, {}] as unknown as Parameters<vscode.InlineCompletionItemProvider['provideInlineCompletionItems']>;

describe('registerInlineProvider', () => {
  it('registers the provider with its event hooks where the API proposal is enabled', () => {
    const languages = fakeLanguages(true);
    const logged: string[] = [];
    const registration = registerInlineProvider(languages, [{ scheme: 'file' }], provider, { info: (line: string) => logged.push(line) });
    assert.deepEqual(languages.registered, [provider]);
    assert.deepEqual(logged, []);
    assert.equal(registration.reportsShownCompletions, true, 'the server is told "shown" means displayed');
  });

  it('falls back to a plain provider that still completes where VS Code refuses the hooks', async () => {
    const languages = fakeLanguages(false);
    const logged: string[] = [];
    const registration = registerInlineProvider(languages, [{ scheme: 'file' }], provider, { info: (line: string) => logged.push(line) });
    assert.equal(registration.reportsShownCompletions, false, 'no show events: the server says "returned"');
    assert.equal(languages.registered.length, 1);
    const plain = languages.registered[0]!;
    assert.notEqual(plain, provider);
    assert.equal('handleDidShowCompletionItem' in plain, false);
    assert.equal(await plain.provideInlineCompletionItems(...args), items);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /not recorded/);
  });
});
