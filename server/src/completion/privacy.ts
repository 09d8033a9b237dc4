/**
 * Which documents may be completed, and where their text may go (`tandem.completion.exclude`,
 * `.languages`, `.offloadUntitled`). The server enforces it on every request; the extension
 * applies the same function before it even asks, so an excluded file's text is not requested
 * and, enforced again here, never reaches a model or the offload endpoint.
 *
 * Pure (no `vscode`, no Node APIs) so the client bundle can share it.
 */
import { GlobList } from './globMatch';

export interface DocumentPrivacySettings {
  /** Globs of files never completed (paths with `/`, case-insensitive; see globMatch.ts). */
  exclude: readonly string[];
  /** Language id → enabled; `*` is the default for languages not listed. */
  languages: Readonly<Record<string, boolean>>;
  /** Unsaved (untitled) documents may be sent to the offload endpoint. */
  offloadUntitled: boolean;
}

export type DocumentVerdict =
  | { complete: false; reason: 'excluded file' | 'language disabled' }
  /** `localOnly`: complete, but only with the local model (the text must not leave the machine). */
  | { complete: true; localOnly: boolean };

export function documentVerdict(uri: string, languageId: string, settings: DocumentPrivacySettings): DocumentVerdict {
  if (!languageEnabled(languageId, settings.languages)) return { complete: false, reason: 'language disabled' };
  if (compiled(settings.exclude).matches(documentPath(uri))) return { complete: false, reason: 'excluded file' };
  return { complete: true, localOnly: isUntitled(uri) && !settings.offloadUntitled };
}

export function languageEnabled(languageId: string, languages: Readonly<Record<string, boolean>>): boolean {
  const own = Object.hasOwn(languages, languageId) ? languages[languageId] : undefined;
  const fallback = Object.hasOwn(languages, '*') ? languages['*'] : undefined;
  return (own ?? fallback ?? true) !== false;
}

/** A document VS Code has not saved yet: nobody chose where it lives, so it stays local. */
export function isUntitled(uri: string): boolean {
  return uri.toLowerCase().startsWith('untitled:');
}

/** The path the exclude globs see: a file URI's decoded path, else the URI's path part. */
export function documentPath(uri: string): string {
  try {
    const url = new URL(uri);
    return decodeURIComponent(url.pathname) || uri;
  } catch {
    return uri;
  }
}

// Compiled once per distinct list: the client rebuilds its settings object on every request.
const lists = new Map<string, GlobList>();

function compiled(globs: readonly string[]): GlobList {
  const key = globs.join('\n');
  let list = lists.get(key);
  if (!list) {
    if (lists.size >= 16) lists.clear();
    list = new GlobList(globs);
    lists.set(key, list);
  }
  return list;
}
