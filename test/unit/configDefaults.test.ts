/**
 * package.json `contributes.configuration` must describe exactly the server's settings: same
 * keys, same defaults, same enums and ranges. The server's DEFAULT_CONFIG is the one source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pkg from '../../package.json';
import { CONFIG_ENUMS, CONFIG_RANGES, DEFAULT_CONFIG, flattenConfig } from '../../server/src/config';

interface SettingSchema {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: unknown[];
  minimum?: number;
  maximum?: number;
  markdownDescription?: string;
}

function contributedSettings(): Map<string, SettingSchema> {
  const configuration = (pkg as { contributes?: { configuration?: unknown } }).contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const settings = new Map<string, SettingSchema>();
  for (const section of sections as { properties?: Record<string, SettingSchema> }[]) {
    for (const [key, schema] of Object.entries(section?.properties ?? {})) {
      assert.ok(!settings.has(key), `${key} is contributed twice`);
      settings.set(key, schema);
    }
  }
  return settings;
}

const defaults = flattenConfig(DEFAULT_CONFIG);
const settings = contributedSettings();

describe('package.json contributes.configuration', () => {
  it('has an entry for every DEFAULT_CONFIG key, with the same default', () => {
    for (const [key, value] of Object.entries(defaults)) {
      const schema = settings.get(`tandem.${key}`);
      assert.ok(schema, `tandem.${key} is missing from contributes.configuration`);
      assert.deepEqual(schema.default, value, `default of tandem.${key}`);
    }
  });

  it('contributes no setting the server does not know (the API key stays in SecretStorage)', () => {
    for (const key of settings.keys()) {
      assert.ok(key.startsWith('tandem.'), `${key} is outside the tandem section`);
      assert.ok(key.slice('tandem.'.length) in defaults, `${key} is not in DEFAULT_CONFIG`);
    }
    assert.equal(settings.has('tandem.offload.apiKey'), false);
  });

  it('declares a JSON type matching each default', () => {
    for (const [key, value] of Object.entries(defaults)) {
      const schema = settings.get(`tandem.${key}`)!;
      const expected = typeof value === 'number' ? ['number', 'integer'] : Array.isArray(value) ? ['array'] : [typeof value];
      assert.ok(expected.includes(schema.type ?? ''), `type of tandem.${key} is ${schema.type}`);
      if (schema.type === 'integer') assert.ok(Number.isInteger(value), `tandem.${key} default is not an integer`);
    }
  });

  it('uses the server enums, each value with a description', () => {
    for (const key of Object.keys(defaults)) {
      const schema = settings.get(`tandem.${key}`)!;
      const allowed = CONFIG_ENUMS[key];
      if (!allowed) {
        assert.equal(schema.enum, undefined, `tandem.${key} has an enum the server does not check`);
        continue;
      }
      assert.deepEqual(schema.enum, [...allowed], `enum of tandem.${key}`);
      assert.equal(schema.enumDescriptions?.length, allowed.length, `enumDescriptions of tandem.${key}`);
      assert.ok(allowed.includes(String(defaults[key])), `default of tandem.${key} is not in its enum`);
    }
  });

  it('uses the server ranges, and each default lies inside its range', () => {
    for (const key of Object.keys(defaults)) {
      const schema = settings.get(`tandem.${key}`)!;
      const range = CONFIG_RANGES[key];
      assert.equal(schema.minimum, range?.[0], `minimum of tandem.${key}`);
      assert.equal(schema.maximum, range?.[1], `maximum of tandem.${key}`);
      if (range) {
        const value = defaults[key] as number;
        assert.ok(value >= range[0] && value <= range[1], `default of tandem.${key} is outside its range`);
      }
    }
  });

  it('describes every setting', () => {
    for (const [key, schema] of settings) {
      assert.ok((schema.markdownDescription ?? '').trim().length > 20, `${key} needs a markdownDescription`);
    }
  });
});
