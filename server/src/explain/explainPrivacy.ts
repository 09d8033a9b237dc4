/**
 * Where an explanation's code may go, by the completion privacy settings.
 *
 * `tandem.completion.exclude` is documented as "files whose text is never sent to any model", so
 * an excluded file is not explained at all, not even by the local model: a privacy-minded user
 * who listed `.env` or `*.pem` expects Tandem to leave those files alone, and an explain request
 * that silently stayed local would still put secrets into a model, the answer cache and (with
 * `metrics.storePrompts`) the metrics database. The refusal says which setting to change.
 *
 * Unsaved (untitled) documents follow `tandem.completion.offloadUntitled` as for completions:
 * explained by the local model only unless it is on. `tandem.completion.languages` is not
 * applied: it switches off inline suggestions for a language, and an explanation is asked for
 * explicitly.
 */
import { documentVerdict, type DocumentPrivacySettings } from '../completion/privacy';
import { ExplainInputError } from './selection';

export const EXCLUDED_FILE_MESSAGE =
  'This file matches tandem.completion.exclude, so Tandem sends none of its text to any model, explanations included. ' +
  'To explain it, remove the matching pattern from tandem.completion.exclude.';

/** Throws ExplainInputError for an excluded file; otherwise says whether only the local model may see it. */
export function explainPrivacy(uri: string, languageId: string, settings: DocumentPrivacySettings): { localOnly: boolean } {
  // Every language enabled: only the file rules decide here (see the header).
  const verdict = documentVerdict(uri, languageId, { ...settings, languages: {} });
  if (!verdict.complete) throw new ExplainInputError(EXCLUDED_FILE_MESSAGE);
  return { localOnly: verdict.localOnly };
}
