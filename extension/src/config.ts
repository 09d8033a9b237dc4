/**
 * Reads Tandem's settings into a plain nested object for the server (`initializationOptions` and
 * every `workspace/didChangeConfiguration`).
 * The server's `mergeConfig` validates every value, so this only copies; keys come from the
 * server's DEFAULT_CONFIG, the one list of settings.
 *
 * Takes a structural reader instead of importing `vscode`, so it is unit-tested directly;
 * `vscode.workspace.getConfiguration('tandem')` satisfies it.
 */
import { DEFAULT_CONFIG, flattenConfig, validate } from '../../server/src/config';
import type { InitializationOptions } from '../../server/src/protocol';
import { applyWorkspaceTrust } from './workspaceTrust';

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

/** The settings the server sees: the user's, less what Restricted Mode turns off. */
export function serverSettings(reader: SettingsReader, trusted: boolean): Record<string, Record<string, unknown>> {
  return applyWorkspaceTrust(readSettings(reader), trusted);
}

/**
 * No API key here: it goes to the server process in its environment (see languageClient.ts),
 * because a verbose LSP trace prints these options.
 */
export function buildInitializationOptions(reader: SettingsReader, storagePath: string, trusted: boolean): InitializationOptions {
  return { settings: serverSettings(reader, trusted), storagePath };
}

/**
 * Documents larger than this are not synced to the server (tandem.completion.maxFileBytes). The
 * server's rule for the value (type and range), so client and server agree on the limit; called on
 * every edit, hence one setting checked rather than a whole `mergeConfig`.
 */
export function maxFileBytes(reader: SettingsReader): number {
  const value = reader.get<unknown>('completion.maxFileBytes');
  const fallback = DEFAULT_CONFIG.completion.maxFileBytes;
  return value !== undefined && validate('completion.maxFileBytes', value, fallback) === undefined ? (value as number) : fallback;
}

/** True unless the user switched inline completions off; the client then skips the request. */
export function completionsEnabled(reader: SettingsReader): boolean {
  return reader.get<boolean>('completion.enabled') !== false;
}
