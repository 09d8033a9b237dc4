/**
 * The offload endpoint's API key lives only in VS Code's SecretStorage (the OS keychain): never
 * in settings, never in logs. The server receives it in `initializationOptions`, so a change
 * restarts the server (see languageClient.ts).
 */
import * as vscode from 'vscode';

export const OFFLOAD_API_KEY_SECRET = 'tandem.offload.apiKey';

export class OffloadApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.secrets.get(OFFLOAD_API_KEY_SECRET);
  }

  store(apiKey: string): Thenable<void> {
    return this.secrets.store(OFFLOAD_API_KEY_SECRET, apiKey);
  }

  clear(): Thenable<void> {
    return this.secrets.delete(OFFLOAD_API_KEY_SECRET);
  }

  /** Fires when the key is set or cleared, from this window or another one. */
  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((event) => {
      if (event.key === OFFLOAD_API_KEY_SECRET) listener();
    });
  }
}
