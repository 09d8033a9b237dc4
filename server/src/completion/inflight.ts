/**
 * One live completion per document: a newer request for the same document aborts the older
 * one, whose answer the user would never see (they have typed on), so its backend time stops.
 */
export class InflightRequests {
  private readonly current = new Map<string, AbortController>();

  /** Starts a request for `uri`, aborting the one already running for it. */
  begin(uri: string): AbortController {
    this.current.get(uri)?.abort(new SupersededError(uri));
    const controller = new AbortController();
    this.current.set(uri, controller);
    return controller;
  }

  /** Forgets the request, unless a newer one has already replaced it. */
  end(uri: string, controller: AbortController): void {
    if (this.current.get(uri) === controller) this.current.delete(uri);
  }

  /** Aborts every live request (document closed en masse, shutdown). */
  abortAll(reason: unknown = new Error('Completion requests were aborted.')): void {
    for (const controller of this.current.values()) controller.abort(reason);
    this.current.clear();
  }

  /** Aborts the request for one document (the document was closed). */
  abort(uri: string): void {
    this.current.get(uri)?.abort(new Error(`${uri} was closed.`));
    this.current.delete(uri);
  }

  get size(): number {
    return this.current.size;
  }
}

/** The abort reason when a newer request for the same document replaced this one. */
export class SupersededError extends Error {
  constructor(readonly uri: string) {
    super(`A newer completion request for ${uri} replaced this one.`);
    this.name = 'SupersededError';
  }
}
