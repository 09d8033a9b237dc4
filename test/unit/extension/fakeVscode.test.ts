/**
 * The fake `vscode` module is strict: an API it does not implement throws when read, naming it,
 * so an extension test cannot pass by calling a stand-in that silently does nothing. Each load
 * is a fresh fake, so test files sharing the unit layer's process never share its state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExtensionWithFakeVscode } from './support/loadExtensionWithFakeVscode';

describe('the fake vscode module', () => {
  const { vscode, fake } = loadExtensionWithFakeVscode();

  it('throws, naming the API, on anything it does not implement', () => {
    assert.throws(() => vscode.window.showQuickPick, /fake vscode: vscode\.window\.showQuickPick is not implemented/);
    assert.throws(() => vscode.workspace.findFiles, /vscode\.workspace\.findFiles is not implemented/);
    assert.throws(() => vscode.workspace.fs.readFile, /vscode\.workspace\.fs\.readFile is not implemented/);
    assert.throws(() => vscode.languages.registerHoverProvider, /vscode\.languages\.registerHoverProvider/);
    assert.throws(() => vscode.debug, /vscode\.debug is not implemented/);
    assert.throws(() => vscode.env.clipboard, /vscode\.env\.clipboard/);
  });

  it('answers the probes of module interop and promises with undefined', () => {
    assert.equal(vscode.__esModule, undefined);
    assert.equal(vscode.then, undefined);
    assert.equal(vscode.window.then, undefined);
  });

  it('implements what the client uses, with behaviour', async () => {
    fake.config['tandem.routing.policy'] = 'local';
    assert.equal(vscode.workspace.getConfiguration('tandem').get('routing.policy'), 'local');
    const seen: unknown[] = [];
    vscode.commands.registerCommand('test.echo', (value: unknown) => seen.push(value));
    await vscode.commands.executeCommand('test.echo', 42);
    assert.deepEqual(seen, [42]);
    await assert.rejects(vscode.commands.executeCommand('test.missing'), /command 'test\.missing' not found/);
    fake.saveDialogAnswer = vscode.Uri.file('/tmp/rows.csv');
    assert.equal((await vscode.window.showSaveDialog({})).fsPath, '/tmp/rows.csv');
    assert.equal(vscode.CodeActionKind.QuickFix.value, 'quickfix');
    assert.ok(vscode.CodeActionKind.Refactor.contains(vscode.CodeActionKind.RefactorExtract));
  });

  it('is a fresh fake, with fresh state, on every load', () => {
    const again = loadExtensionWithFakeVscode();
    assert.notEqual(again.vscode, vscode);
    assert.deepEqual(again.fake.config, {});
    assert.equal(again.fake.commands.size, 0);
  });
});
