/**
 * The built server (dist/server.js) as a child over stdio, answering a burst of completions from
 * a healthy endpoint, ended mid-burst in three ways. Every answered request's row must be in
 * metrics.db afterwards, except under kill -9, where nothing can run: there only the rows of the
 * last flush window may be missing (the recorder writes queued rows 250 ms after they are
 * recorded: RecorderOptions.flushDelayMs in server/src/metrics/recorder.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { InlineCompletionItem } from 'vscode-languageserver-protocol';
import { FaultServer } from '../support/faultServer';
import { startServer } from '../support/serverHarness';
import { cellWithoutOffload, Checks, writeReportPart, type FaultCell } from './results';
import { storedIds } from './storageDisk';
import { waitUntil } from './tandemUnderTest';

/** The recorder's documented delay before queued rows are written. */
const FLUSH_WINDOW_MS = 250;
/** Added to the window for a loaded machine (a timer fires late, a write takes a while). */
const SLACK_MS = 1000;
const BURST_MS = 2500;
const SETTINGS = (url: string) => ({
  routing: { policy: 'offload' },
  offload: { url },
  cache: { enabled: false },
  completion: { debounceMs: 0, maxTokens: 8 },
});

const cells: FaultCell[] = [];

type Ending = { name: string; end: (child: ChildProcess) => void; mayLoseFlushWindow: boolean };

const ENDINGS: Ending[] = [
  { name: 'kill -9 mid-burst', end: (child) => child.kill('SIGKILL'), mayLoseFlushWindow: true },
  { name: 'client gone: stdin closed without shutdown', end: (child) => child.stdin?.end(), mayLoseFlushWindow: false },
  { name: 'SIGTERM mid-burst', end: (child) => child.kill('SIGTERM'), mayLoseFlushWindow: false },
];

interface Answered {
  id: string;
  at: number;
}

describe('the server process ends mid-burst: queued rows are written on every way out', () => {
  for (const ending of ENDINGS) {
    it(ending.name, { timeout: 60_000 }, async () => {
      const checks = new Checks();
      const endpoint = await FaultServer.start('healthy');
      const harness = await startServer(SETTINGS(endpoint.baseUrl));
      const child = harness.client.process;
      if (!child) throw new Error('the server is not a child process');
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      const answered: Answered[] = [];
      let endedAt = 0;
      try {
        await waitUntil(
          'offload ready',
          async () => {
            const status = await harness.client.status();
            return status.backends.find((b) => b.backend === 'offload' && b.state === 'ready');
          },
          20_000,
        );
        const start = performance.now();
        for (let i = 0; ; i++) {
          const uri = `file:///burst/${i}.ts`;
          await harness.client.open(uri, 'typescript', `// request ${i}\nexport function f${i}(x: number): number {\n  \n}\n`);
          const pending = harness.client.complete(uri, 2, 2).result;
          if (performance.now() - start >= BURST_MS) {
            // Mid-burst: a request is in flight when the process ends.
            endedAt = performance.now();
            ending.end(child);
            void pending.catch(() => undefined);
            break;
          }
          const id = requestIdOf(await pending);
          if (id) answered.push({ id, at: performance.now() });
        }
        await exited;
        const stored = storedIds(join(harness.storage, 'metrics.db'));
        const lost = answered.filter((row) => !stored.has(row.id));
        const inWindow = answered.filter((row) => endedAt - row.at <= FLUSH_WINDOW_MS);
        checks.check(answered.length >= 10, `only ${answered.length} requests answered in the burst: nothing was tested`);
        if (ending.mayLoseFlushWindow) {
          const older = lost.filter((row) => endedAt - row.at > FLUSH_WINDOW_MS + SLACK_MS);
          checks.check(
            older.length === 0,
            `${older.length} rows answered more than ${FLUSH_WINDOW_MS + SLACK_MS} ms before the kill are missing`,
          );
        } else {
          checks.check(lost.length === 0, `${lost.length} of ${answered.length} answered requests have no row`);
        }
        cells.push(
          cellWithoutOffload({
            fault: `server: ${ending.name}`,
            policy: 'storage',
            requests: answered.length,
            answered: answered.length - lost.length,
            rowsLost: lost.length,
            failures: checks.failures,
            note: `${inWindow.length} answered in the last ${FLUSH_WINDOW_MS} ms (the flush window) before the end`,
          }),
        );
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        harness.client.connection.dispose();
        await endpoint.close();
        rmSync(harness.storage, { recursive: true, force: true });
        writeReportPart('server-exit', cells);
      }
      checks.finish();
    });
  }
});

function requestIdOf(items: InlineCompletionItem[]): string | undefined {
  const data = items[0]?.command?.arguments?.[0] as { requestId?: unknown } | undefined;
  return typeof data?.requestId === 'string' ? data.requestId : undefined;
}
