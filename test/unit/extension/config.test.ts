import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInitializationOptions, completionsEnabled, readSettings, type SettingsReader } from '../../../extension/src/config';
import { DEFAULT_CONFIG, mergeConfig } from '../../../server/src/config';

/** Behaves like vscode.WorkspaceConfiguration.get for dotted keys. */
function reader(values: Record<string, unknown>): SettingsReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get<T>(key: string): T | undefined {
      asked.push(key);
      return values[key] as T | undefined;
    },
  };
}

describe('readSettings', () => {
  it('asks for every server setting and nests the answers by section', () => {
    const settings = reader({ 'routing.policy': 'offload', 'offload.url': 'http://localhost:8000/v1', 'completion.maxTokens': 64 });
    const nested = readSettings(settings);
    assert.deepEqual(nested, {
      routing: { policy: 'offload' },
      offload: { url: 'http://localhost:8000/v1' },
      completion: { maxTokens: 64 },
    });
    assert.ok(settings.asked.includes('cache.ttlSeconds'));
    assert.ok(!settings.asked.some((key) => key.includes('apiKey')), 'the API key is never a setting');
  });

  it('produces what the server merges without warnings', () => {
    const nested = readSettings(reader({ 'routing.policy': 'local', 'breaker.cooldownMs': 5000 }));
    const { config, warnings } = mergeConfig(nested);
    assert.deepEqual(warnings, []);
    assert.equal(config.routing.policy, 'local');
    assert.equal(config.breaker.cooldownMs, 5000);
    assert.equal(config.cache.enabled, DEFAULT_CONFIG.cache.enabled);
  });
});

describe('buildInitializationOptions', () => {
  it('carries the settings, the storage path and the key only when there is one', () => {
    const withKey = buildInitializationOptions(reader({}), '/storage', 'sk-test');
    assert.deepEqual(withKey, { settings: {}, storagePath: '/storage', offloadApiKey: 'sk-test' });
    const withoutKey = buildInitializationOptions(reader({}), '/storage', undefined);
    assert.equal('offloadApiKey' in withoutKey, false);
  });
});

describe('completionsEnabled', () => {
  it('is off only when the user switched it off', () => {
    assert.equal(completionsEnabled(reader({})), true);
    assert.equal(completionsEnabled(reader({ 'completion.enabled': true })), true);
    assert.equal(completionsEnabled(reader({ 'completion.enabled': false })), false);
  });
});
