/**
 * Queued metrics rows must reach the disk on every way the server process ends, not only after
 * `shutdown`: `exit` without `shutdown`, stdin closing (the client crashed), the parent process
 * dying, SIGTERM and SIGINT. vscode-languageserver ends the first ones with `process.exit`, so a
 * synchronous 'exit' handler sees them all (better-sqlite3 is synchronous, so the write completes
 * there). Signals end the process without 'exit': they flush, then re-raise the signal so the
 * parent still sees how the server ended. Rows of requests still being answered at that moment
 * have not been recorded yet and are not written.
 */
export interface Flushable {
  /** Writes what is queued and closes the stores; synchronous and idempotent. */
  closeStorage(): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Installs the handlers for this process; `current` returns the live runtime, if any. */
export function flushOnExit(current: () => Flushable | undefined, report: (message: string) => void): void {
  const flush = () => {
    try {
      current()?.closeStorage();
    } catch (error) {
      report(`Writing queued metrics at exit failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  process.on('exit', flush);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      flush();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
