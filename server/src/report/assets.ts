/**
 * The performance panel's page script and stylesheet as built by scripts/build.mjs
 * (dist/webview/), read from disk so `tandem report --html` can inline them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../packageRoot';

export interface PanelAssets {
  script: string;
  css: string;
}

export function loadPanelAssets(root: string = packageRoot()): PanelAssets {
  const dir = join(root, 'dist', 'webview');
  const script = join(dir, 'panel.js');
  const css = join(dir, 'panel.css');
  if (!existsSync(script) || !existsSync(css)) {
    throw new Error(`The panel's page script is not built (${dir}); run \`npm run build\` first.`);
  }
  return { script: readFileSync(script, 'utf8'), css: readFileSync(css, 'utf8') };
}
