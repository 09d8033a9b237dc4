import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildInitializationOptions,
  completionsEnabled,
  maxFileBytes,
  readSettings,
  type SettingsReader,
} from '../../../extension/src/config';
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
  it('carries the settings and the storage path, never an API key', () => {
    const options = buildInitializationOptions(reader({ 'offload.url': 'http://gpu:8000/v1' }), '/storage', true);
    assert.deepEqual(options, { settings: { offload: { url: 'http://gpu:8000/v1' } }, storagePath: '/storage' });
    assert.ok(!JSON.stringify(options).toLowerCase().includes('key'));
  });

  it('turns offload and custom models off in an untrusted workspace, whatever the settings say', () => {
    const settings = reader({
      'offload.url': 'http://gpu:8000/v1',
      'local.completionModel': './models/evil',
      'local.allowRemoteModels': true,
      'routing.policy': 'offload',
    });
    const options = buildInitializationOptions(settings, '/storage', false);
    assert.deepEqual(options.settings, {
      offload: { url: '' },
      local: { completionModel: 'bundled', explainModel: 'bundled', allowRemoteModels: false },
      routing: { policy: 'offload' },
    });
    const { config, warnings } = mergeConfig(options.settings);
    assert.deepEqual(warnings, []);
    assert.equal(config.offload.url, '', 'no offload: the policy falls back to local');
  });
});

describe('maxFileBytes', () => {
  it('reads the setting, with the default for a missing or nonsensical value', () => {
    assert.equal(maxFileBytes(reader({ 'completion.maxFileBytes': 2048 })), 2048);
    assert.equal(maxFileBytes(reader({})), DEFAULT_CONFIG.completion.maxFileBytes);
    assert.equal(maxFileBytes(reader({ 'completion.maxFileBytes': -1 })), DEFAULT_CONFIG.completion.maxFileBytes);
  });
});

describe('completionsEnabled', () => {
  it('is off only when the user switched it off', () => {
    assert.equal(completionsEnabled(reader({})), true);
    assert.equal(completionsEnabled(reader({ 'completion.enabled': true })), true);
    assert.equal(completionsEnabled(reader({ 'completion.enabled': false })), false);
  });
});
