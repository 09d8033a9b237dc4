/**
 * Holds a webview's messages back until its script said `ready`. Messages posted before that
 * are dropped, not queued: on `ready` the host posts the full current state, which supersedes
 * anything that would have been queued (and a reloaded webview says `ready` again).
 */
export class WebviewGate<M> {
  private ready = false;

  constructor(
    private readonly post: (message: M) => PromiseLike<boolean> | boolean,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  markReady(): void {
    this.ready = true;
  }

  /** After the webview's content was replaced or disposed: wait for the next `ready`. */
  markNotReady(): void {
    this.ready = false;
  }

  /** Posts when ready; returns whether the message went out. */
  send(message: M): boolean {
    if (!this.ready) return false;
    try {
      Promise.resolve(this.post(message)).catch(this.onError);
      return true;
    } catch (error) {
      // VS Code throws when the webview was disposed in the meantime: stop posting to it.
      this.ready = false;
      this.onError(error);
      return false;
    }
  }
}
