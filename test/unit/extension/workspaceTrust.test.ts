/**
 * The client's boundary to the server, with the real vscode-languageclient against the stand-in
 * server (see clientWithStandinServer.test.ts for the set-up): Restricted Mode in an untrusted
 * workspace and the restart when trust is granted, the API key travelling only in the server's
 * environment (checked against a verbose LSP trace, which prints every message), and documents
 * over `tandem.completion.maxFileBytes` kept off the server.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pkg from '../../../package.json';
import { OFFLOAD_API_KEY_SECRET } from '../../../extension/src/offloadApiKey';
import { RESTRICTED_MODE_MESSAGE, RESTRICTED_MODE_OVERRIDES } from '../../../extension/src/workspaceTrust';
import { fakeExtensionContext, loadExtensionWithFakeVscode, until as untilCondition } from './support/loadExtensionWithFakeVscode';
import { standinRecord } from './support/standinRecord';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fake is untyped JS by design */
const { vscode, fake, extension } = loadExtensionWithFakeVscode();

const KEY = 'tk-trace-0123456789abcdef';
const { workDir, recordsOf, use: recordServers } = standinRecord('tandem-trust-test-');

const until = (what: string, condition: () => boolean): Promise<void> => untilCondition(what, condition, fake.log);

/** A text document as vscode-languageclient reads it; `text` may change between events. */
function textDocument(name: string, text: () => string): any {
  return {
    uri: vscode.Uri.file(join(workDir, name)),
    fileName: join(workDir, name),
    languageId: 'python',
    version: 1,
    isClosed: false,
    isUntitled: false,
    get lineCount() {
      return text().split('\n').length;
    },
    getText: () => text(),
  };
}

function change(document: any, text: string): void {
  document.version++;
  fake.didChangeTextDocument.fire({
    document,
    reason: undefined,
    contentChanges: [{ range: new vscode.Range(0, 0, 0, 0), rangeOffset: 0, rangeLength: 0, text }],
  });
}

describe('workspace trust, the API key and large documents at the client boundary', () => {
  let context: any;

  before(async () => {
    recordServers();
    fake.trusted = false;
    fake.outputLogLevel = vscode.LogLevel.Trace;
    fake.config['tandem.trace.server'] = 'verbose';
    fake.config['tandem.offload.url'] = 'http://gpu.example:8000/v1';
    fake.config['tandem.local.completionModel'] = join(workDir, 'repo-model');
    fake.config['tandem.routing.policy'] = 'auto';
    fake.config['tandem.completion.maxFileBytes'] = 4096;
    context = fakeExtensionContext(vscode, join(workDir, 'globalStorage'), join(__dirname, 'support', 'standinServer.cjs'));
    await context.secrets.store(OFFLOAD_API_KEY_SECRET, KEY);
    extension.activate(context);
    await until('the first initialize', () => recordsOf('initialize').length === 1);
  });

  after(async () => {
    await extension.deactivate();
    for (const disposable of context.subscriptions) disposable.dispose();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('declares limited support for untrusted workspaces, restricting every setting it overrides', () => {
    const trust = (pkg as any).capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.ok(trust.description.length > 20);
    for (const key of Object.keys(RESTRICTED_MODE_OVERRIDES)) {
      assert.ok(trust.restrictedConfigurations.includes(`tandem.${key}`), `tandem.${key} is restricted`);
    }
  });

  it('starts an untrusted workspace without offload or custom models, and says so', async () => {
    const [init] = recordsOf('initialize');
    assert.equal(init.settings.offload.url, '');
    assert.equal(init.settings.local.completionModel, 'bundled');
    assert.equal(init.settings.local.allowRemoteModels, false);
    assert.equal(init.settings.routing.policy, 'auto', 'other settings pass through');
    assert.ok(fake.log.some((line: string) => line.includes(RESTRICTED_MODE_MESSAGE)));
    await until('the configuration push', () => recordsOf('didChangeConfiguration').length > 0);
    const [pushed] = recordsOf('didChangeConfiguration');
    assert.equal(pushed.tandem.offload.url, '', 'configuration pushes are restricted too');
    assert.equal(pushed.tandem.local.completionModel, 'bundled');
  });

  it('gives the server the key in its environment only, so the verbose trace never shows it', () => {
    const [init] = recordsOf('initialize');
    assert.equal(init.offloadApiKeyFromEnv, KEY);
    assert.equal(init.offloadApiKeyInOptions, undefined);
    const traced = fake.log.filter((line: string) => line.includes('[Tandem trace]'));
    assert.ok(
      traced.some((line: string) => line.includes("Sending request 'initialize") && line.includes('globalStorage')),
      'the trace prints the initialize params (so it would show a key there)',
    );
    assert.deepEqual(
      fake.log.filter((line: string) => line.includes(KEY)),
      [],
    );
  });

  it('keeps documents over tandem.completion.maxFileBytes off the server, and syncs them again once small', async () => {
    let bigText = 'x = 1\n'.repeat(1000); // 6000 bytes
    const big = textDocument('big.py', () => bigText);
    const small = textDocument('small.py', () => 'y = 2\n');
    fake.documents.push(big, small);
    fake.didOpenTextDocument.fire(big);
    fake.didOpenTextDocument.fire(small);
    await until('the small document on the server', () => recordsOf('didOpen').some((open) => open.uri.endsWith('small.py')));
    assert.ok(!recordsOf('didOpen').some((open) => open.uri.endsWith('big.py')), 'the big document is not opened');
    assert.ok(fake.log.some((line: string) => /big\.py is over tandem\.completion\.maxFileBytes/.test(line)));

    const result = await fake.inlineProviders[0].provider.provideInlineCompletionItems(
      big,
      new vscode.Position(0, 0),
      { triggerKind: 1 },
      new vscode.CancellationTokenSource().token,
    );
    assert.equal(result, undefined, 'no completion request for a document the server does not have');
    assert.ok(!recordsOf('inlineCompletion').some((request) => request.uri.endsWith('big.py')));

    bigText = 'x = 1\n';
    change(big, '');
    await until('the big document opened once it is small', () => recordsOf('didOpen').some((open) => open.uri.endsWith('big.py')));
    assert.equal(recordsOf('didOpen').find((open) => open.uri.endsWith('big.py')).length, bigText.length, 'opened with its full text');

    bigText = 'x = 1\n'.repeat(1000);
    change(big, bigText);
    await until('the big document closed on the server', () => recordsOf('didClose').some((close) => close.uri.endsWith('big.py')));
    assert.ok(
      !recordsOf('didChangeContent').some((content) => content.uri.endsWith('big.py') && content.length > 4096),
      'the server never received the large text',
    );
  });

  it('restarts with the user’s offload and model settings when the workspace is trusted', async () => {
    fake.trusted = true;
    fake.didGrantWorkspaceTrust.fire(undefined);
    await until('a second initialize', () => recordsOf('initialize').length === 2);
    const init = recordsOf('initialize')[1];
    assert.equal(init.settings.offload.url, 'http://gpu.example:8000/v1');
    assert.equal(init.settings.local.completionModel, join(workDir, 'repo-model'));
    assert.equal(init.offloadApiKeyFromEnv, KEY);
    assert.deepEqual(
      fake.log.filter((line: string) => line.includes(KEY)),
      [],
    );
  });
});
