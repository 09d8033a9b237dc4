/**
 * The one sentence every command says when it needs the language server and it is not there,
 * and the error that carries it. vscode-free so pure modules can recognise it.
 */

export const SERVER_DOWN_MESSAGE =
  'The Tandem language server is not running; run "Tandem: Restart Server" or see "Tandem: Show Log" for why.';

export class ServerNotRunningError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(SERVER_DOWN_MESSAGE, options);
    this.name = 'ServerNotRunningError';
  }
}
