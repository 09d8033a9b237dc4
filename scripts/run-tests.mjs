// Runs node's built-in test runner over every *.test.ts under the given folders (Node 20 has
// no glob support in `node --test`), with TypeScript through tsx. Files run one at a time:
// several server tests load the local model, and two cores are all CI has.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const folders = process.argv.slice(2);
if (folders.length === 0) folders.push('test/unit', 'test/server');

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...collect(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = folders.flatMap((folder) => (statSync(folder).isDirectory() ? collect(folder) : [folder]));
const result = spawnSync(
  process.execPath,
  // --test-force-exit: a file's process ends when its tests have, not when its last handle
  // closes. In-process servers are stopped with `shutdown` only (an `exit` notification makes
  // vscode-languageserver call process.exit, which ended files early and skipped later tests);
  // leaked handles are the fault suite's job to find, with a test that names them.
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
