/**
 * What to do when the server's connection closes unexpectedly. A server that dies before it
 * finished starting (a native module that does not load, a bad model path) would die again:
 * restarting it only repeats the error pop-ups, so Tandem gives up at once and the status bar
 * says "server down". A server that crashes after running is restarted, a few times per window.
 */

export type CloseDecision = { action: 'restart'; message: string } | { action: 'give-up'; message: string };

export class RestartBudget {
  private readonly crashes: number[] = [];

  constructor(
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true while no more than `maxRestarts` crashes fall inside the window. */
  allowRestart(): boolean {
    const time = this.now();
    this.crashes.push(time);
    while (this.crashes.length > 0 && this.crashes[0]! <= time - this.windowMs) this.crashes.shift();
    return this.crashes.length <= this.maxRestarts;
  }
}

export function decideOnClose(reachedRunning: boolean, budget: RestartBudget): CloseDecision {
  if (!reachedRunning) {
    return {
      action: 'give-up',
      message: 'The Tandem server exited before it finished starting, so it is not restarted; the lines above say why.',
    };
  }
  if (budget.allowRestart()) {
    return { action: 'restart', message: 'The Tandem server stopped unexpectedly; restarting it.' };
  }
  const minutes = Math.round(budget.windowMs / 60_000);
  return {
    action: 'give-up',
    message:
      `The Tandem server crashed more than ${budget.maxRestarts} times in ${minutes} minutes, so it is not restarted; ` +
      'fix the cause shown above, then run "Tandem: Restart Server".',
  };
}
