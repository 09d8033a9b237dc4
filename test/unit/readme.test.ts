/** The README stays true: it names the setup commands and documents every setting. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { flattenConfig, DEFAULT_CONFIG } from '../../server/src/config';

const root = join(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('gives the two setup commands and the test command, and they exist', () => {
    for (const command of ['npm install', 'npm start', 'npm test']) assert.ok(readme.includes(command), command);
    assert.ok(manifest.scripts.start && manifest.scripts.test);
  });

  it('documents every setting in its settings table', () => {
    for (const key of Object.keys(flattenConfig(DEFAULT_CONFIG))) {
      assert.ok(readme.includes(`\`tandem.${key}\``), `tandem.${key} is missing from the README`);
    }
  });

  it('names only npm scripts that exist', () => {
    for (const [, script] of readme.matchAll(/npm run ([\w:-]+)/g)) {
      assert.ok(manifest.scripts[script!], `README mentions "npm run ${script}" but package.json has no such script`);
    }
  });
});
