/**
 * Runs in its own process (see clientServerDiesOnStart.test.ts): activates the client against a
 * stand-in server that exits while starting, then prints what the user would see as JSON.
 * vscode-languageclient leaves promises of its own rejected on this path; like VS Code's
 * extension host, this process logs them instead of exiting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeExtensionContext, loadExtensionWithFakeVscode, until } from './loadExtensionWithFakeVscode';

const libraryRejections: string[] = [];
process.on('unhandledRejection', (reason) => libraryRejections.push(reason instanceof Error ? reason.message : String(reason)));

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'tandem-client-dies-'));
  const recordFile = join(workDir, 'server-record.jsonl');
  writeFileSync(recordFile, '');
  process.env.TANDEM_STANDIN_RECORD = recordFile;
  process.env.TANDEM_STANDIN_MODE = 'exit-on-start';

  const { vscode, fake, extension } = loadExtensionWithFakeVscode();
  const context = fakeExtensionContext(vscode, join(workDir, 'storage'), join(__dirname, 'standinServer.cjs'));
  extension.activate(context);
  const status = fake.statusBarItems[0];
  await until('the server-down status', () => /server down/.test(status.text), fake.log);
  // Give a (wrong) restart loop the chance to show itself before counting starts.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const document = { uri: vscode.Uri.file(join(workDir, 'a.py')), languageId: 'python', version: 1, getText: () => 'x = 1\n' };
  vscode.window.activeTextEditor = { document, selection: new vscode.Selection(new vscode.Position(0, 0), new vscode.Position(0, 5)) };
  await vscode.commands.executeCommand('tandem.explainSelection');
  const explainAnswer = fake.messages.at(-1);
  await vscode.commands.executeCommand('tandem.openPerformancePanel');
  const panel = fake.panels.at(-1);
  panel.sendFromWebview({ type: 'ready' });
  await until(
    'the panel to answer',
    () => panel.posted.some((message: { type: string }) => message.type === 'panel/unavailable'),
    fake.log,
  );

  const starts = readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"started"')).length;
  const result = {
    starts,
    statusText: status.text,
    logsWhy: fake.log.some((line: string) => line.includes('exited before it finished starting')),
    errorPopups: fake.messages.filter(([kind]: [string]) => kind === 'error').length,
    explainAnswer,
    panelMessage: panel.posted.find((message: { type: string }) => message.type === 'panel/unavailable').message,
    libraryRejections,
  };
  await extension.deactivate();
  rmSync(workDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
