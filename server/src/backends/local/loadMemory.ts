/**
 * A local model's memory as measured at load (snapshot `memory.models`): this process's RSS and
 * external memory when the task's model starts loading and when the worker reports it loaded.
 * The model worker is a thread of this process, so the RSS difference is what the model costs
 * the machine (weights, ONNX Runtime sessions); `external` is the main thread's V8 external
 * memory and moves little (the worker's buffers are its own isolate's). Growth after the load
 * (KV caches, longer prompts) is not in it; two models loading at the same time are in each
 * other's figures, which the panel cannot tell apart.
 */
import type { ModelMemory, Task } from '../../protocol';

type Usage = Pick<NodeJS.MemoryUsage, 'rss' | 'external'>;

export class LoadMemory {
  private readonly started = new Map<Task, Usage>();
  private readonly measured = new Map<Task, ModelMemory>();

  constructor(private readonly usage: () => Usage = () => process.memoryUsage()) {}

  loadStarted(task: Task): void {
    this.started.set(task, this.usage());
  }

  loaded(task: Task, model: string): void {
    const before = this.started.get(task);
    if (!before) return;
    this.started.delete(task);
    const after = this.usage();
    this.measured.set(task, {
      backend: 'local',
      model,
      measuredAt: 'load',
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      externalBeforeBytes: before.external,
      externalAfterBytes: after.external,
    });
  }

  /** A load that failed measured nothing. */
  failed(task: Task): void {
    this.started.delete(task);
  }

  /** One per task whose model loaded, completion first. */
  all(): ModelMemory[] {
    return [...this.measured.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, memory]) => memory);
  }
}
