/**
 * `Tandem: Run Benchmark`: runs `tandem bench --quick` (dist/cli.js) as a child process of VS
 * Code's own runtime (process.execPath with ELECTRON_RUN_AS_NODE, the way vscode-languageclient
 * forks the server), with the user's Tandem settings and, when an offload URL is set, the
 * offload backend too (its API key from secret storage, passed in the child's environment only).
 * A cancellable notification shows the phase; cancelling kills the child. When it is done the
 * self-contained report.html opens in a webview with no script allowed: the page is inline CSS
 * and inline SVG, and the Content-Security-Policy says exactly that (default-src 'none', the one
 * <style> element by nonce).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { serverSettings } from './config';
import type { OffloadApiKeyStore } from './offloadApiKey';

/** Stops the child this long after SIGTERM if it has not exited. */
const KILL_GRACE_MS = 3000;
const STDERR_KEPT = 8000;

export type BenchmarkOutcome =
  { kind: 'done'; reportDir: string; exitCode: number } | { kind: 'cancelled' } | { kind: 'failed'; reason: string };

export class BenchmarkRunner {
  private running: Promise<BenchmarkOutcome> | undefined;

  constructor(
    private readonly context: Pick<vscode.ExtensionContext, 'globalStorageUri' | 'asAbsolutePath'>,
    private readonly output: vscode.LogOutputChannel,
    private readonly apiKeys: Pick<OffloadApiKeyStore, 'get'>,
  ) {}

  /** The command: one run at a time (a second invocation while one runs says so). */
  async run(): Promise<BenchmarkOutcome | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('A Tandem benchmark is already running; its notification shows the progress.');
      return undefined;
    }
    this.running = this.runOnce();
    try {
      const outcome = await this.running;
      if (outcome.kind === 'done') this.openReportOrSay(outcome.reportDir, outcome.exitCode);
      else if (outcome.kind === 'cancelled') void vscode.window.showInformationMessage('Tandem benchmark cancelled.');
      else void vscode.window.showErrorMessage(`The Tandem benchmark failed: ${outcome.reason} See "Tandem: Show Log".`);
      return outcome;
    } finally {
      this.running = undefined;
    }
  }

  private async runOnce(): Promise<BenchmarkOutcome> {
    const storage = this.context.globalStorageUri.fsPath;
    const reportDir = join(storage, 'bench', new Date().toISOString().replace(/[:.]/g, '-'));
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const settings = serverSettings(vscode.workspace.getConfiguration('tandem'), vscode.workspace.isTrusted === true);
    const offloadUrl = typeof settings.offload?.url === 'string' ? settings.offload.url : '';
    const apiKey = offloadUrl ? await this.apiKeys.get() : undefined;
    const args = [
      cli,
      'bench',
      '--quick',
      '--progress-lines',
      '--out',
      reportDir,
      '--db',
      join(storage, 'bench', 'bench.db'),
      '--settings',
      JSON.stringify(settings),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_RUN_AS_NODE: '1',
      ...(offloadUrl ? { TANDEM_OFFLOAD_URL: offloadUrl } : {}),
      ...(offloadUrl && typeof settings.offload?.model === 'string' && settings.offload.model
        ? { TANDEM_OFFLOAD_MODEL: settings.offload.model }
        : {}),
      ...(apiKey ? { TANDEM_OFFLOAD_API_KEY: apiKey } : {}),
    };
    this.output.info(`Benchmark: ${process.execPath} ${args.slice(0, -2).join(' ')} --settings …`);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Tandem benchmark', cancellable: true },
      (progress, token) =>
        new Promise<BenchmarkOutcome>((resolve) => {
          let child: ChildProcess;
          try {
            child = spawn(process.execPath, args, { env, cwd: storage, stdio: ['ignore', 'pipe', 'pipe'] });
          } catch (error) {
            resolve({ kind: 'failed', reason: error instanceof Error ? error.message : String(error) });
            return;
          }
          let cancelled = false;
          let stderr = '';
          let pending = '';
          const cancel = token.onCancellationRequested(() => {
            cancelled = true;
            child.kill('SIGTERM');
            setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref();
          });
          child.stdout?.on('data', (data: Buffer) => this.output.info(data.toString().trimEnd()));
          child.stderr?.on('data', (data: Buffer) => {
            pending += data.toString();
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) {
              const match = /^progress (.+) (\d+)\/(\d+)$/.exec(line);
              if (match) progress.report({ message: `${match[1]} ${match[2]}/${match[3]}` });
              else if (line.trim() && line !== 'progress done') {
                stderr = `${stderr}${line}\n`.slice(-STDERR_KEPT);
                this.output.warn(line);
              }
            }
          });
          child.once('error', (error) => {
            cancel.dispose();
            resolve({ kind: 'failed', reason: error.message });
          });
          child.once('close', (code, signal) => {
            cancel.dispose();
            if (cancelled) resolve({ kind: 'cancelled' });
            // Exit 1: the report is written, some backend or scenario had errors (listed in it).
            else if ((code === 0 || code === 1) && existsSync(join(reportDir, 'report.html')))
              resolve({ kind: 'done', reportDir, exitCode: code });
            else resolve({ kind: 'failed', reason: `the runner exited with ${code ?? signal}${stderr ? `: ${lastLine(stderr)}` : ''}.` });
          });
        }),
    );
  }

  private openReportOrSay(reportDir: string, exitCode: number): void {
    try {
      this.openReport(reportDir, exitCode);
    } catch (error) {
      this.output.error('Opening the benchmark report failed.', error);
      void vscode.window.showErrorMessage(
        `Tandem could not show the benchmark report (${error instanceof Error ? error.message : String(error)}); it is in ${reportDir}.`,
      );
    }
  }

  private openReport(reportDir: string, exitCode: number): void {
    const html = withContentSecurityPolicy(readFileSync(join(reportDir, 'report.html'), 'utf8'), randomBytes(16).toString('base64'));
    const panel = vscode.window.createWebviewPanel('tandem.benchmarkReport', 'Tandem Benchmark', vscode.ViewColumn.Active, {
      enableScripts: false,
      localResourceRoots: [],
    });
    panel.webview.html = html;
    this.output.info(`Benchmark report: ${join(reportDir, 'report.html')} (and report.json)`);
    if (exitCode !== 0)
      void vscode.window.showWarningMessage('The Tandem benchmark finished with errors; they are listed at the end of the report.');
  }
}

/**
 * The report page with a CSP that allows its inline <style> (by nonce) and nothing else: no
 * script, no network, no frames. Throws if the page has a script (the report never has one).
 */
export function withContentSecurityPolicy(html: string, nonce: string): string {
  if (/<script/i.test(html)) throw new Error('The benchmark report contains a script; it is not shown.');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:; font-src 'none'; script-src 'none'; frame-src 'none'`;
  return html
    .replace(/<head>/i, `<head><meta http-equiv="Content-Security-Policy" content="${csp}">`)
    .replace(/<style>/gi, `<style nonce="${nonce}">`);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
