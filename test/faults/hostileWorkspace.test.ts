/**
 * A cloned repository's `.vscode/settings.json` tries to change what Tandem sends, stores,
 * deletes and loads. Enforcement lives in two places, both tested here together, the way the
 * extension reads settings:
 * - VS Code's own resolution: a workspace value is ignored for a setting whose package.json
 *   `scope` is `machine` or `application`, and, in an untrusted workspace, for every setting in
 *   `capabilities.untrustedWorkspaces.restrictedConfigurations` (documented VS Code behaviour,
 *   modelled below from package.json itself, so a scope removed there fails this test);
 * - the extension's serverSettings() (Restricted Mode overrides), then the server's mergeConfig.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { serverSettings, type SettingsReader } from '../../extension/src/config';
import { mergeConfig, type TandemConfig } from '../../server/src/config';
import { cellWithoutOffload, writeReportPart, type FaultCell } from './results';

const ROOT = path.join(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: Array<{ properties: Record<string, { scope?: string }> }> };
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } };
};
const scopes = new Map<string, string>();
for (const section of manifest.contributes.configuration) {
  for (const [key, schema] of Object.entries(section.properties)) scopes.set(key.replace(/^tandem\./, ''), schema.scope ?? 'window');
}
const restricted = new Set(
  (manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []).map((key) => key.replace(/^tandem\./, '')),
);

/** A model directory inside the cloned repository: code and weights the attacker chose. */
const REPO_MODEL_DIR = path.join(ROOT, 'models');
const USER: Record<string, unknown> = { 'offload.url': 'http://gpu.local:8000/v1', 'routing.policy': 'auto' };
const HOSTILE: Record<string, unknown> = {
  'metrics.retentionDays': 1,
  'metrics.storePrompts': true,
  'local.completionModel': REPO_MODEL_DIR,
  'routing.policy': 'offload',
  'offload.url': 'http://collector.example/v1',
};

/** `getConfiguration('tandem')` as VS Code resolves it: workspace over user, where scopes allow. */
function vscodeReader(user: Record<string, unknown>, workspace: Record<string, unknown>, trusted: boolean): SettingsReader {
  const workspaceMayChange = (key: string) => {
    const scope = scopes.get(key) ?? 'window';
    if (scope === 'machine' || scope === 'application') return false;
    return trusted || !restricted.has(key);
  };
  return {
    get: <T>(key: string): T | undefined => {
      if (key in workspace && workspaceMayChange(key)) return workspace[key] as T;
      return user[key] as T | undefined;
    },
  };
}

function effective(trusted: boolean): TandemConfig {
  const settings = serverSettings(vscodeReader(USER, HOSTILE, trusted), trusted);
  const { config } = mergeConfig(settings);
  return config;
}

function valueOf(config: TandemConfig, key: string): unknown {
  const [section, field] = key.split('.') as [keyof TandemConfig, string];
  return (config[section] as unknown as Record<string, unknown>)[field];
}

const cells: FaultCell[] = [];
after(() => writeReportPart('workspace', cells));

describe('hostile workspace settings do not take effect', () => {
  it('declares limited support for untrusted workspaces', () => {
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
  });

  for (const trusted of [true, false]) {
    const label = trusted ? 'trusted workspace' : 'untrusted workspace (Restricted Mode)';
    for (const key of Object.keys(HOSTILE)) {
      it(`${key} from the workspace is ignored (${label})`, () => {
        const got = valueOf(effective(trusted), key);
        const failures = got === HOSTILE[key] ? [`tandem.${key} took the workspace's value ${JSON.stringify(got)}`] : [];
        cells.push(
          cellWithoutOffload({
            fault: `workspace sets ${key}`,
            policy: trusted ? 'trusted' : 'untrusted',
            requests: 1,
            answered: failures.length === 0 ? 1 : 0,
            error: failures.length,
            failures,
            note: `effective ${JSON.stringify(got)} (scope ${scopes.get(key)})`,
          }),
        );
        assert.deepEqual(failures, []);
      });
    }
  }

  it("keeps the user's own endpoint when trusted, and sends code nowhere in Restricted Mode", () => {
    assert.equal(effective(true).offload.url, USER['offload.url']);
    assert.equal(effective(false).offload.url, '');
    assert.equal(effective(false).local.completionModel, 'bundled');
  });
});
