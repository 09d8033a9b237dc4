/**
 * Reads Tandem's settings into a plain nested object for the server (`initializationOptions`).
 * The server's `mergeConfig` validates every value, so this only copies; keys come from the
 * server's DEFAULT_CONFIG, the one list of settings.
 *
 * Takes a structural reader instead of importing `vscode`, so it is unit-tested directly;
 * `vscode.workspace.getConfiguration('tandem')` satisfies it.
 */
import { DEFAULT_CONFIG, flattenConfig } from '../../server/src/config';
import type { InitializationOptions } from '../../server/src/protocol';

export interface SettingsReader {
  get<T>(key: string): T | undefined;
}

/** `{ routing: { policy: 'auto', ... }, ... }` with only the keys the reader has values for. */
export function readSettings(reader: SettingsReader): Record<string, Record<string, unknown>> {
  const settings: Record<string, Record<string, unknown>> = {};
  for (const dottedKey of Object.keys(flattenConfig(DEFAULT_CONFIG))) {
    const value = reader.get<unknown>(dottedKey);
    if (value === undefined) continue;
    const [section, key] = dottedKey.split('.') as [string, string];
    (settings[section] ??= {})[key] = value;
  }
  return settings;
}

export function buildInitializationOptions(
  reader: SettingsReader,
  storagePath: string,
  offloadApiKey: string | undefined,
): InitializationOptions {
  const options: InitializationOptions = { settings: readSettings(reader), storagePath };
  if (offloadApiKey) options.offloadApiKey = offloadApiKey;
  return options;
}

/** True unless the user switched inline completions off; the client then skips the request. */
export function completionsEnabled(reader: SettingsReader): boolean {
  return reader.get<boolean>('completion.enabled') !== false;
}
