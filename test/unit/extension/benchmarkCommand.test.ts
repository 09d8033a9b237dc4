/**
 * `Tandem: Run Benchmark` with the fake vscode module and a stand-in for dist/cli.js (a real
 * child process): the arguments and environment it gets, progress reported from its lines, the
 * report opened in a webview under a strict CSP, cancellation killing the child, and failures
 * said in one message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type * as BenchmarkModule from '../../../extension/src/benchmarkCommand';
import { loadExtensionWithFakeVscode } from './support/loadExtensionWithFakeVscode';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fake vscode module is untyped */
describe('Tandem: Run Benchmark', () => {
  const { vscode, fake } = loadExtensionWithFakeVscode();
  const { BenchmarkRunner, withContentSecurityPolicy } = createRequire(__filename)(
    '../../../extension/src/benchmarkCommand',
  ) as typeof BenchmarkModule;
  let storage: string;
  const record = () =>
    JSON.parse(readFileSync(join(storage, 'record.json'), 'utf8')) as { args: string[]; env: Record<string, string | null>; pid: number };
  const output = { info: () => undefined, warn: (line: string) => void warnings.push(line), error: () => undefined } as any;
  const warnings: string[] = [];
  const originalWithProgress = vscode.window.withProgress;
  const runner = (key?: string) =>
    new BenchmarkRunner(
      {
        globalStorageUri: vscode.Uri.file(storage),
        asAbsolutePath: (p: string) => (p === 'dist/cli.js' ? join(__dirname, 'support', 'standinBench.cjs') : p),
      } as any,
      output,
      { get: async () => key },
    );

  before(() => {
    storage = mkdtempSync(join(tmpdir(), 'tandem-bench-cmd-'));
    process.env.STANDIN_BENCH_RECORD = join(storage, 'record.json');
  });

  afterEach(() => {
    fake.messages.length = 0;
    fake.panels.length = 0;
    fake.config = {};
    warnings.length = 0;
    vscode.window.withProgress = originalWithProgress;
    delete process.env.STANDIN_BENCH_MODE;
  });

  after(() => {
    delete process.env.STANDIN_BENCH_RECORD;
    rmSync(storage, { recursive: true, force: true });
  });

  it('runs `bench --quick` on this runtime with the settings, reports progress and opens the report under a strict CSP', async () => {
    fake.config = { 'tandem.offload.url': 'http://127.0.0.1:9/v1', 'tandem.local.dtype': 'fp32' };
    const reports: string[] = [];
    let options: any;
    vscode.window.withProgress = (opts: any, task: any) => {
      options = opts;
      return task({ report: (r: { message: string }) => void reports.push(r.message) }, new vscode.CancellationTokenSource().token);
    };
    const outcome = await runner('secret-key').run();
    assert.equal(outcome?.kind, 'done');
    assert.deepEqual([options.location, options.cancellable], [vscode.ProgressLocation.Notification, true]);
    const { args, env } = record();
    assert.deepEqual(args.slice(0, 3), ['bench', '--quick', '--progress-lines']);
    assert.equal(args[args.indexOf('--out') + 1], outcome?.kind === 'done' ? outcome.reportDir : '');
    assert.ok(args[args.indexOf('--out') + 1]!.startsWith(join(storage, 'bench')));
    const settings = JSON.parse(args[args.indexOf('--settings') + 1]!) as { local: { dtype: string } };
    assert.equal(settings.local.dtype, 'fp32');
    assert.deepEqual(env, { url: 'http://127.0.0.1:9/v1', key: 'secret-key', electron: '1' });
    assert.ok(reports.includes('local latency 2/4'), reports.join(' | '));
    assert.equal(fake.panels.length, 1);
    const panel = fake.panels[0];
    assert.equal(panel.options.enableScripts, false);
    const html = panel.webview.html as string;
    const nonce = /style-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce && html.includes(`<style nonce="${nonce}">`), html.slice(0, 300));
    assert.match(html, /default-src 'none'.*script-src 'none'/);
    assert.match(html, /<table id="executive-summary">/);
    assert.deepEqual(fake.messages, []);
  });

  it('does not pass an offload URL or key when none is configured', async () => {
    await runner('unused-key').run();
    assert.deepEqual(record().env, { url: null, key: null, electron: '1' });
  });

  it('cancelling the notification kills the child and opens nothing', async () => {
    process.env.STANDIN_BENCH_MODE = 'hang';
    const source = new vscode.CancellationTokenSource();
    vscode.window.withProgress = (_opts: any, task: any) => task({ report: () => source.cancel() }, source.token);
    const outcome = await runner().run();
    assert.deepEqual(outcome, { kind: 'cancelled' });
    assert.throws(() => process.kill(record().pid, 0), /ESRCH/, 'the child is gone');
    assert.deepEqual(fake.messages, [['info', 'Tandem benchmark cancelled.']]);
    assert.equal(fake.panels.length, 0);
  });

  it('says why when the runner fails, and warns when the report lists errors', async () => {
    process.env.STANDIN_BENCH_MODE = 'fail';
    const failed = await runner().run();
    assert.equal(failed?.kind, 'failed');
    assert.match(fake.messages[0]?.[1] ?? '', /exited with 2: Error: no held-out files/);
    assert.equal(fake.panels.length, 0);
    fake.messages.length = 0;
    process.env.STANDIN_BENCH_MODE = 'errors';
    assert.equal((await runner().run())?.kind, 'done');
    assert.equal(fake.panels.length, 1);
    assert.deepEqual(
      fake.messages.map((m: string[]) => m[0]),
      ['warning'],
    );
  });

  it('refuses a report page with a script', async () => {
    process.env.STANDIN_BENCH_MODE = 'script';
    assert.equal((await runner().run())?.kind, 'done');
    assert.equal(fake.panels.length, 0);
    assert.match(fake.messages[0]?.[1] ?? '', /could not show the benchmark report \(The benchmark report contains a script/);
    assert.throws(() => withContentSecurityPolicy('<html><head></head><body><script>x()</script></body></html>', 'n'), /contains a script/);
  });

  it('is registered as tandem.runBenchmark and listed in package.json', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    assert.ok(manifest.contributes.commands.some((c) => c.command === 'tandem.runBenchmark'));
  });
});
