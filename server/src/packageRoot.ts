/**
 * The directory of Tandem's package.json, found by walking up from this file. Works from the
 * sources (server/src under tsx) and from the bundles (dist/), installed or not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function packageRoot(start: string = __dirname): string {
  if (cached && start === __dirname) return cached;
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isTandemManifest(manifest)) {
      if (start === __dirname) cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Tandem's package.json above ${start}.`);
    dir = parent;
  }
}

function isTandemManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name === 'tandem';
  } catch {
    return false;
  }
}
