/**
 * Tandem's VS Code client end to end, minus VS Code: the extension's real code and the real
 * vscode-languageclient run against a fake `vscode` module (support/fakeVscode.cjs) and talk over
 * Node IPC to a stand-in server (support/standinServer.cjs) that speaks Tandem's protocol with
 * scripted answers and records what it receives. It checks the wiring the unit tests cannot:
 * start-up options, the inline provider's events, explain streaming into the webview, the
 * performance panel, the API key restart and behaviour with the server down. The real VS Code
 * run is the code-server e2e suite.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVER_DOWN_MESSAGE } from '../../../extension/src/serverDown';
import { fakeExtensionContext, loadExtensionWithFakeVscode, until as untilCondition } from './support/loadExtensionWithFakeVscode';
import { standinRecord } from './support/standinRecord';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fake is untyped JS by design */
const { vscode, fake, extension } = loadExtensionWithFakeVscode();

const { workDir, recordsOf, use: recordServers } = standinRecord('tandem-client-test-');

const until = (what: string, condition: () => boolean): Promise<void> => untilCondition(what, condition, fake.log);

const documentText = 'def add(a, b):\n    \n';
const document = {
  uri: vscode.Uri.file(join(workDir, 'add.py')),
  fileName: join(workDir, 'add.py'),
  languageId: 'python',
  version: 1,
  isClosed: false,
  isUntitled: false,
  lineCount: 3,
  getText: () => documentText,
};

const statusItem = (): any => fake.statusBarItems[0];
const provider = (): any => fake.inlineProviders[0].provider;
const token = (cancelled = false): any => {
  const source = new vscode.CancellationTokenSource();
  if (cancelled) source.cancel();
  return source.token;
};

// ---- the run ---------------------------------------------------------------------------------

describe('Tandem client against a stand-in server', () => {
  let context: any;

  before(() => {
    recordServers();
    fake.config['tandem.routing.policy'] = 'local';
    fake.config['tandem.completion.maxTokens'] = 64;
    context = fakeExtensionContext(vscode, join(workDir, 'globalStorage'), join(__dirname, 'support', 'standinServer.cjs'));
    extension.activate(context);
  });

  after(async () => {
    await extension.deactivate();
    for (const disposable of context.subscriptions) disposable.dispose();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('registers every command at once and shows "starting" until the server is up', async () => {
    assert.deepEqual([...fake.commands.keys()].sort(), [
      'tandem.clearOffloadApiKey',
      'tandem.didAcceptCompletion',
      'tandem.explainSelection',
      'tandem.openPerformancePanel',
      'tandem.restartServer',
      'tandem.runBenchmark',
      'tandem.setOffloadApiKey',
      'tandem.showLog',
    ]);
    assert.match(statusItem().text, /starting/);
    assert.equal(statusItem().command, 'tandem.openPerformancePanel');
    await until('the status from the server', () => statusItem().text === '$(sparkle) Tandem: local 42 ms');
  });

  it('starts the server with the settings, the storage path and the inline completion capability', () => {
    const [init] = recordsOf('initialize');
    assert.equal(init.settings.routing.policy, 'local');
    assert.equal(init.settings.completion.maxTokens, 64);
    assert.equal(init.storagePath, join(workDir, 'globalStorage'));
    assert.ok(existsSync(join(workDir, 'globalStorage')), 'the storage folder is created');
    assert.equal(init.offloadApiKeyInOptions, undefined);
    assert.equal(init.offloadApiKeyFromEnv, undefined);
    assert.deepEqual(init.inlineCompletionCapability, { dynamicRegistration: false });
    // The fake VS Code accepts the provider's event hooks, so the editor reports what it displays.
    assert.equal(init.reportsShownCompletions, true);
  });

  it('pushes the tandem settings section on configuration sync', async () => {
    await until('the configuration push', () => recordsOf('didChangeConfiguration').length > 0);
    const [settings] = recordsOf('didChangeConfiguration');
    assert.equal(settings.tandem.routing.policy, 'local');
    assert.equal(settings.tandem.completion.maxTokens, 64);
  });

  it('registers exactly one inline completion provider, for files and untitled editors', () => {
    assert.equal(fake.inlineProviders.length, 1, 'the library’s own provider is left out');
    assert.deepEqual(fake.inlineProviders[0].selector, [{ scheme: 'file' }, { scheme: 'untitled' }]);
  });

  it('forwards completions and reports show, partial accept and accept once each', async () => {
    fake.documents.push(document);
    fake.didOpenTextDocument.fire(document);
    const position = new vscode.Position(1, 4);
    const list = await provider().provideInlineCompletionItems(
      document,
      position,
      { triggerKind: 1, selectedCompletionInfo: undefined },
      token(),
    );
    assert.ok(list instanceof vscode.InlineCompletionList, 'the server answered with a list');
    const items = list.items;
    assert.equal(items.length, 1);
    const [item] = items;
    assert.equal(item.insertText, 'return a + b');
    assert.deepEqual(item.command.arguments, [{ requestId: 'req-1', backend: 'local', insertTextLength: 12 }]);
    assert.deepEqual(recordsOf('inlineCompletion'), [{ uri: document.uri.toString(), position: { line: 1, character: 4 }, open: true }]);

    provider().handleDidShowCompletionItem(item, item.insertText);
    provider().handleDidShowCompletionItem(item, item.insertText);
    provider().handleDidPartiallyAcceptCompletionItem(item, 7);
    provider().handleDidPartiallyAcceptCompletionItem(item, { kind: 1, acceptedLength: 7 });
    await vscode.commands.executeCommand(item.command.command, ...item.command.arguments);
    await until('the accept notifications', () => recordsOf('tandem/completion/didAccept').length === 2);
    assert.deepEqual(recordsOf('tandem/completion/didShow'), [{ requestId: 'req-1' }]);
    assert.deepEqual(recordsOf('tandem/completion/didAccept'), [
      { requestId: 'req-1', acceptedLength: 7 },
      { requestId: 'req-1', acceptedLength: 12 },
    ]);
  });

  it('returns nothing for a request VS Code already cancelled', async () => {
    const result = await provider().provideInlineCompletionItems(document, new vscode.Position(1, 4), { triggerKind: 1 }, token(true));
    assert.equal(result, undefined);
  });

  it('streams an explanation into the view beside the editor, honouring a reset, then shows the badge', async () => {
    vscode.window.activeTextEditor = {
      document,
      selection: new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(2, 0)),
    };
    const explaining = vscode.commands.executeCommand('tandem.explainSelection');
    const panel = fake.panels.find((candidate: any) => candidate.viewType === 'tandem.explain');
    assert.equal(panel.showOptions.viewColumn, vscode.ViewColumn.Beside);
    assert.equal(panel.showOptions.preserveFocus, true);
    assert.match(panel.webview.html, /default-src &#39;none&#39;/);
    assert.equal(panel.posted.length, 0, 'nothing is posted before the ready handshake');
    panel.sendFromWebview({ type: 'ready' });
    await explaining;

    const first = panel.posted[0];
    assert.equal(first.type, 'explain/state');
    assert.equal(first.state.title, 'add.py:1–2');
    const deltas = panel.posted.filter((message: any) => message.type === 'explain/delta');
    assert.deepEqual(
      deltas.map((message: any) => [message.delta, message.reset]),
      [
        ['Half an ans', false],
        ['Adds ', true],
        ['two numbers.', false],
      ],
    );
    const last = panel.posted.at(-1);
    assert.equal(last.state.phase, 'done');
    assert.equal(last.state.text, 'Adds two numbers.');
    assert.deepEqual(last.state.badge, {
      backend: 'local',
      model: 'standin-local',
      ttft: '20 ms',
      total: '61 ms',
      cache: '',
      fallbackReason: 'offload: HTTP 503',
    });
    assert.equal(last.state.note, 'One-line summaries only.');
    assert.deepEqual(recordsOf('explain'), [{ range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } }]);
  });

  it('asks for a selection instead of explaining nothing', async () => {
    vscode.window.activeTextEditor = { document, selection: new vscode.Selection(new vscode.Position(1, 0), new vscode.Position(1, 0)) };
    await vscode.commands.executeCommand('tandem.explainSelection');
    assert.deepEqual(fake.messages.at(-1), ['info', 'Select the code you want Tandem to explain first.']);
  });

  it('fills the performance panel with the snapshot and rows for the filters the page asks with', async () => {
    await vscode.commands.executeCommand('tandem.openPerformancePanel');
    const panel = fake.panels.find((candidate: any) => candidate.viewType === 'tandem.performance');
    assert.match(panel.webview.html, /dist\/webview\/panel\.js/);
    panel.sendFromWebview({ type: 'bogus' });
    panel.sendFromWebview('ready');
    assert.equal(panel.posted.length, 0);
    panel.sendFromWebview({ type: 'ready' });
    await until('the status in the panel', () => panel.posted.some((message: any) => message.type === 'panel/status'));
    const status = panel.posted.find((message: any) => message.type === 'panel/status').status;
    assert.equal(status.headline, 'Policy auto · local ready · offload disabled');
    panel.sendFromWebview({ type: 'panel/refresh', filters: { range: '1h', task: 'completion' } });
    await until('data in the panel', () => panel.posted.some((message: any) => message.type === 'panel/data'));
    const data = panel.posted.find((message: any) => message.type === 'panel/data').data;
    assert.equal(data.snapshot.backends[0].backend, 'local');
    assert.equal(data.rows[0].outcome, 'accepted');
    assert.equal(data.rowsLimit, 20_000);
    const params = recordsOf('metricsSnapshot').at(-1);
    assert.equal(params.task, 'completion');
    assert.equal(params.recent, 50, 'the recent table comes with the snapshot');
    assert.ok(Math.abs(Date.now() - 3_600_000 - params.sinceMs) < 60_000, 'the last hour');
    // The charts' rows: the same window and filters, only the newest 20,000 (read newest first).
    const { recent: _recent, ...window } = params;
    assert.deepEqual(recordsOf('metricsRows').at(-1), { ...window, limit: 20_000 });
    // The auto routing table travels with the status.
    const routing = panel.posted.filter((message: any) => message.type === 'panel/status').at(-1).routing;
    assert.equal(routing.policy, 'auto');
    assert.equal(routing.learned.buckets[0].pick, 'local');
  });

  it('reads nothing for a hidden panel, and catches up with rows when it is shown again', async () => {
    const panel = fake.panels.find((candidate: any) => candidate.viewType === 'tandem.performance');
    const fetches = () => recordsOf('metricsSnapshot').length;
    const rowReads = () => recordsOf('metricsRows').length;
    panel.setVisible(false);
    const before = { fetches: fetches(), rows: rowReads() };
    // What the page sends on a filter change and what a metrics change triggers alike stop here.
    panel.sendFromWebview({ type: 'panel/refresh', filters: { range: '24h' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual({ fetches: fetches(), rows: rowReads() }, before);
    panel.setVisible(true);
    await until('a fetch after being shown', () => rowReads() > before.rows);
    assert.equal(fetches(), before.fetches + 1);
  });

  it('exports the rows through a save dialog, and resets only after the modal warning is confirmed', async () => {
    const panel = fake.panels.find((candidate: any) => candidate.viewType === 'tandem.performance');
    const dir = mkdtempSync(join(tmpdir(), 'tandem-export-'));
    const target = join(dir, 'rows.csv');
    const window = vscode.window as any;
    const saveDialog = window.showSaveDialog;
    const warning = window.showWarningMessage;
    const writeFile = vscode.workspace.fs.writeFile;
    try {
      window.showSaveDialog = async () => vscode.Uri.file(target);
      (vscode.workspace.fs as any).writeFile = async (uri: any, bytes: Uint8Array) => writeFileSync(uri.fsPath, bytes);
      panel.sendFromWebview({ type: 'panel/export', format: 'csv', filters: { range: 'all' } });
      await until('the export notice', () => panel.posted.some((message: any) => message.type === 'panel/notice'));
      const csv = readFileSync(target, 'utf8').split('\r\n');
      assert.match(csv[0]!, /^id,ts,task,language,/);
      assert.match(csv[1]!, /^req-1,1700000000000,completion,python,/);
      assert.equal(recordsOf('metricsRows').at(-1).sinceMs, 0);

      const resetsBefore = recordsOf('metricsReset').length;
      window.showWarningMessage = async () => undefined;
      panel.sendFromWebview({ type: 'panel/reset' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(recordsOf('metricsReset').length, resetsBefore, 'dismissing the warning deletes nothing');
      let asked: any[] = [];
      window.showWarningMessage = async (...args: any[]) => {
        asked = args;
        return 'Delete All Metrics';
      };
      panel.sendFromWebview({ type: 'panel/reset' });
      await until('the reset', () => recordsOf('metricsReset').length > resetsBefore);
      assert.deepEqual(recordsOf('metricsReset').at(-1), { confirm: true });
      assert.equal(asked[1].modal, true);
      await until('the reset notice', () => panel.posted.some((message: any) => message.message === 'Deleted 1 request rows.'));
    } finally {
      window.showSaveDialog = saveDialog;
      window.showWarningMessage = warning;
      (vscode.workspace.fs as any).writeFile = writeFile;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the API key in secret storage, restarts the server with it in its environment and never logs it', async () => {
    fake.inputBoxAnswer = '  sk-test-key  ';
    await vscode.commands.executeCommand('tandem.setOffloadApiKey');
    assert.equal(fake.lastInputBox.password, true);
    await until('a restart with the key', () => recordsOf('initialize').some((init) => init.offloadApiKeyFromEnv === 'sk-test-key'));
    assert.ok(
      recordsOf('initialize').every((init) => init.offloadApiKeyInOptions === undefined),
      'never in initializationOptions',
    );
    await until('the new status', () => /offload \(standin-offload\): ready/.test(statusItem().tooltip));
    assert.ok(!fake.log.some((line: string) => line.includes('sk-test-key')), 'the key is not in the log');
    assert.ok(!('tandem.offload.apiKey' in fake.config));
  });

  it('says why in one sentence when the server is down', async () => {
    await extension.deactivate();
    assert.equal(statusItem().text, '$(debug-disconnect) Tandem: server down');
    assert.equal(statusItem().backgroundColor.id, 'statusBarItem.errorBackground');

    vscode.window.activeTextEditor = { document, selection: new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(1, 0)) };
    await vscode.commands.executeCommand('tandem.explainSelection');
    assert.deepEqual(fake.messages.at(-1), ['warning', SERVER_DOWN_MESSAGE]);

    const result = await provider().provideInlineCompletionItems(document, new vscode.Position(1, 4), { triggerKind: 1 }, token());
    assert.equal(result, undefined);

    const panel = fake.panels.find((candidate: any) => candidate.viewType === 'tandem.performance');
    panel.sendFromWebview({ type: 'panel/refresh', filters: { range: '24h' } });
    await until('the panel to say the server is down', () => panel.posted.at(-1)?.message === SERVER_DOWN_MESSAGE);
  });
});
