/**
 * A push-to-pull bridge: worker messages push chunks in, `generate()` pulls them out as an async
 * iterator. `fail` wins over anything still buffered, so an abort surfaces at once instead of
 * after the text that was already queued.
 */
export class ChunkChannel<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    if (this.ended || this.failure) return;
    this.buffered.push(item);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.failure || this.ended) return;
    this.failure = { error };
    this.notify();
  }

  get settled(): boolean {
    return this.ended || this.failure !== undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const next = this.buffered.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
