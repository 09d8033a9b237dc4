/**
 * Finds the code the model worker thread runs.
 *
 * - Bundled (dist/server.js, dist/cli.js): dist/localWorker.js sits next to the bundle.
 * - From source under tsx (tests, `node --import tsx`): worker.ts sits next to this file. Node
 *   does not pass tsx's loader to worker threads, so the worker is started from a two-line
 *   bootstrap that registers tsx's CommonJS hook and then requires worker.ts. This runs the
 *   current source, never a stale build.
 * - Otherwise, `<package root>/dist/localWorker.js` from a previous `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../packageRoot';

export type WorkerEntry = { kind: 'file'; file: string } | { kind: 'eval'; code: string; file: string };

export function resolveWorkerEntry(override?: string): WorkerEntry | undefined {
  if (override) return { kind: 'file', file: override };
  const bundled = path.join(__dirname, 'localWorker.js');
  if (fs.existsSync(bundled)) return { kind: 'file', file: bundled };

  const source = path.join(__dirname, 'worker.ts');
  const tsxApi = fs.existsSync(source) ? tryResolve('tsx/cjs/api') : undefined;
  if (tsxApi) {
    const code = `require(${JSON.stringify(tsxApi)}).register();\nrequire(${JSON.stringify(source)});\n`;
    return { kind: 'eval', code, file: source };
  }

  try {
    const built = path.join(packageRoot(), 'dist', 'localWorker.js');
    if (fs.existsSync(built)) return { kind: 'file', file: built };
  } catch {
    // no package root: fall through to "not found"
  }
  return undefined;
}

function tryResolve(specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}
