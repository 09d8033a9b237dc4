/**
 * Live latency per backend and task, as an exponentially weighted moving average: recent
 * requests matter more than old ones, and one slow outlier does not flip routing by itself.
 */
import type { BackendId, Task } from '../protocol';

export class LatencyTracker {
  private readonly averages = new Map<string, number>();

  /** `alpha` is the weight of the newest sample (0.2 ≈ the last ~10 requests dominate). */
  constructor(private readonly alpha = 0.2) {}

  record(backend: BackendId, task: Task, latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    const key = `${backend}/${task}`;
    const previous = this.averages.get(key);
    this.averages.set(key, previous === undefined ? latencyMs : previous + this.alpha * (latencyMs - previous));
  }

  get(backend: BackendId, task: Task): number | undefined {
    return this.averages.get(`${backend}/${task}`);
  }
}
