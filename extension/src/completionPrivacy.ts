/**
 * The client half of `tandem.completion.exclude` / `.languages`: documents the user excluded
 * are not even requested, so their text does not travel to the server for nothing. The server
 * applies the same rule (server/src/completion/privacy.ts) on every request, so a client that
 * skips this check still sends nothing to a model.
 *
 * Takes a structural reader so it is unit-tested without `vscode`; the settings go through the
 * server's `mergeConfig`, so a malformed value falls back to the default exactly as there.
 */
import { mergeConfig } from '../../server/src/config';
import { documentVerdict } from '../../server/src/completion/privacy';
import type { SettingsReader } from './config';

export function mayRequestCompletion(reader: SettingsReader, uri: string, languageId: string): boolean {
  const completion = {
    exclude: reader.get<unknown>('completion.exclude'),
    languages: reader.get<unknown>('completion.languages'),
    offloadUntitled: reader.get<unknown>('completion.offloadUntitled'),
  };
  const settings = mergeConfig({ completion }).config.completion;
  return documentVerdict(uri, languageId, settings).complete;
}
