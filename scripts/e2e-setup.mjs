// Sets up what the end-to-end tests and `npm run try` need, cached in .e2e-cache/ (see
// e2e-tools.mjs): Node 24, code-server, Chromium. Then writes .e2e-cache/e2e-env.json, the paths
// the tests read, so they do not repeat this layout.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, ensureChromium, ensureCodeServer, log, root } from './e2e-tools.mjs';

const started = Date.now();
const tools = ensureCodeServer();
const chromium = ensureChromium();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first.`);

const env = {
  node: tools.node24,
  codeServerEntry: tools.codeServerEntry,
  chromium,
  vsix,
  extensionId: `${manifest.publisher}.${manifest.name}`,
};
writeFileSync(join(cacheDir, 'e2e-env.json'), `${JSON.stringify(env, null, 2)}\n`);
log(`ready in ${Math.round((Date.now() - started) / 1000)} s: code-server, Node 24, Chromium, ${vsix.slice(root.length + 1)}`);
