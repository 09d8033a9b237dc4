/**
 * Restricted Mode: in a workspace the user has not trusted, Tandem sends no code to an offload
 * endpoint and loads no model except the bundled one. A cloned repository can hold
 * `.vscode/settings.json`; VS Code already ignores its values for machine-scoped settings and for
 * the ones package.json lists in `capabilities.untrustedWorkspaces.restrictedConfigurations`, and
 * this goes further for the two things that reach outside the editor, whatever their source.
 *
 * Pure, so it is unit-tested directly; languageClient.ts applies it to every settings object it
 * sends (initialize and every configuration change) and restarts the server on trust.
 */

/** What Restricted Mode forces, as `section.key` → value. */
export const RESTRICTED_MODE_OVERRIDES: Readonly<Record<string, string | boolean>> = {
  // Offload sends the code around the cursor to a URL.
  'offload.url': '',
  // A model directory or hub id is code and weights loaded into the server.
  'local.completionModel': 'bundled',
  'local.explainModel': 'bundled',
  'local.allowRemoteModels': false,
};

export const RESTRICTED_MODE_MESSAGE =
  'Restricted Mode: offload and custom local models are off in this untrusted workspace; trust the workspace to use them.';

type Settings = Record<string, Record<string, unknown>>;

/** The settings the server should see: unchanged when trusted, with the overrides otherwise. */
export function applyWorkspaceTrust(settings: Settings, trusted: boolean): Settings {
  if (trusted) return settings;
  const out: Settings = {};
  for (const [section, values] of Object.entries(settings)) out[section] = { ...values };
  for (const [dotted, value] of Object.entries(RESTRICTED_MODE_OVERRIDES)) {
    const [section, key] = dotted.split('.') as [string, string];
    (out[section] ??= {})[key] = value;
  }
  return out;
}
