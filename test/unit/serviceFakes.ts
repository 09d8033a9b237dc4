/**
 * Small in-memory fakes of the services' collaborators (router, cache, metrics, backends), for
 * the orchestration tests of CompletionService and ExplainService. Not a test file itself.
 */
import { CancelledError, type Backend, type GenerateChunk, type GenerateRequest } from '../../server/src/backends/backend';
import type { AnswerCache, CachedAnswer, CacheCounters, CacheHit } from '../../server/src/cache/types';
import { DEFAULT_CONFIG, mergeConfig, type FimTemplateId, type TandemConfig } from '../../server/src/config';
import { COLUMNS } from '../../server/src/metrics/columns';
import type { MetricsRecorder, RequestText, RowPatch } from '../../server/src/metrics/types';
import { invalidPatchReason, invalidRowReason } from '../../server/src/metrics/validateRow';
import type { BackendId, MetricsSnapshot, Outcome, RequestRow, Task } from '../../server/src/protocol';
import type { GenerationRouter, RouteContext, RoutedGeneration } from '../../server/src/routing/types';

export function fakeBackend(
  id: BackendId,
  options: { fimTemplate?: Exclude<FimTemplateId, 'auto'>; nativeSuffix?: boolean; model?: string } = {},
): Backend {
  const model = options.model ?? `${id}-model`;
  return {
    id,
    model,
    fimTemplate: options.fimTemplate ?? 'starcoder',
    supportsNativeSuffix: options.nativeSuffix ?? false,
    isAvailable: () => true,
    status: () => ({ backend: id, state: 'ready', model, breaker: 'closed' }),
    // The fake router never calls the backend; a call here would be a test bug.
    generate: (): AsyncIterable<GenerateChunk> => {
      throw new Error('fake backends do not generate; FakeRouter answers');
    },
    dispose: async () => undefined,
  };
}

export interface Scripted {
  text?: string;
  /** Streamed in these pieces instead of one. */
  chunks?: string[];
  backend?: Backend;
  fallbackReason?: string;
  /** Chunks streamed by a first backend before a fallback restarts the answer. */
  abandoned?: { backend: Backend; chunks: string[] };
  error?: Error;
  /** Wait for `release()` (or the signal) before answering. */
  gated?: boolean;
  finishReason?: RoutedGeneration['finishReason'];
}

export interface RouterCall {
  context: RouteContext;
  request: GenerateRequest;
  backend: Backend;
}

/** Answers from a script; records every call; can hold an answer until released or aborted. */
export class FakeRouter implements GenerationRouter {
  readonly calls: RouterCall[] = [];
  latencyMs: number | undefined;
  private readonly script: Scripted[] = [];
  private readonly gates: Array<() => void> = [];

  constructor(readonly first: Backend) {}

  answer(...steps: Scripted[]): this {
    this.script.push(...steps);
    return this;
  }

  /** Lets the oldest gated generation finish. */
  release(): void {
    this.gates.shift()?.();
  }

  get waiting(): number {
    return this.gates.length;
  }

  firstChoice = (): Backend | undefined => this.first;

  recentLatencyMs(_task: Task): number | undefined {
    return this.latencyMs;
  }

  async generate(
    context: RouteContext,
    build: (backend: Backend) => GenerateRequest,
    signal: AbortSignal,
    onText?: (delta: string, backend: Backend, reset: boolean) => void,
  ): Promise<RoutedGeneration> {
    const step = this.script.shift() ?? { text: '' };
    const backend = step.backend ?? this.first;
    if (step.abandoned) {
      this.calls.push({ context, request: build(step.abandoned.backend), backend: step.abandoned.backend });
      for (const chunk of step.abandoned.chunks) onText?.(chunk, step.abandoned.backend, false);
    }
    this.calls.push({ context, request: build(backend), backend });
    if (step.gated) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new CancelledError(undefined, { cause: signal.reason }));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.gates.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
    if (step.error) throw step.error;
    const chunks = step.chunks ?? [step.text ?? ''];
    chunks.forEach((chunk, i) => onText?.(chunk, backend, i === 0 && step.abandoned !== undefined));
    const text = chunks.join('');
    return {
      backend,
      decision: `fake → ${backend.id}`,
      ...(step.fallbackReason ? { fallbackReason: step.fallbackReason } : {}),
      text,
      usage: { promptTokens: 100, completionTokens: 10, source: 'server' },
      finishReason: step.finishReason ?? 'stop',
      ttftMs: 20,
      e2eMs: 50,
      chunkGapsMs: [],
    };
  }
}

export class FakeCache implements AnswerCache {
  readonly entries = new Map<string, CachedAnswer>();
  private readonly tally: CacheCounters = { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 };

  get(key: string): CacheHit | undefined {
    const value = this.entries.get(key);
    if (value) this.tally.l1Hits++;
    else this.tally.misses++;
    return value ? { value, tier: 'l1' } : undefined;
  }
  set(key: string, value: CachedAnswer): void {
    this.entries.set(key, value);
  }
  countTypingHit(): void {
    this.tally.typingHits++;
  }
  counters(): CacheCounters {
    return { ...this.tally };
  }
  close(): void {}
}

export class FakeMetrics implements MetricsRecorder {
  /** Every FakeMetrics made, so a test file can check all recorded rows in afterEach. */
  static readonly all: FakeMetrics[] = [];
  readonly rows: RequestRow[] = [];
  /** Why rows would be refused by the real recorder (validateRow.ts). */
  readonly invalid: string[] = [];
  readonly texts: Array<RequestText | undefined> = [];
  /** Outcome changes, whichever of `update` or `updateOutcome` made them. */
  readonly updates: Array<{ id: string; outcome: Outcome; acceptedChars?: number }> = [];
  /** Every `update` patch (an `updateOutcome` arrives here as one too, as in the real recorder). */
  readonly patches: Array<{ id: string; patch: RowPatch }> = [];
  failNextRecord = false;

  constructor() {
    FakeMetrics.all.push(this);
  }

  record(row: RequestRow, text?: RequestText): void {
    if (this.failNextRecord) {
      this.failNextRecord = false;
      throw new Error('database is locked');
    }
    const problem = invalidRowReason(row);
    if (problem) this.invalid.push(`${row.id}: ${problem}`);
    this.rows.push(row);
    this.texts.push(text);
  }
  update(id: string, patch: RowPatch): void {
    const problem = invalidPatchReason(patch);
    if (problem) this.invalid.push(`${id}: ${problem}`);
    this.patches.push({ id, patch });
    if (patch.outcome !== undefined) {
      const acceptedChars = patch.acceptedChars ?? undefined;
      this.updates.push({ id, outcome: patch.outcome, ...(acceptedChars !== undefined ? { acceptedChars } : {}) });
    }
  }
  updateOutcome(id: string, outcome: Outcome, acceptedChars?: number): void {
    this.update(id, acceptedChars === undefined ? { outcome } : { outcome, acceptedChars });
  }
  snapshot(): MetricsSnapshot {
    return {
      generatedAt: 0,
      window: { sinceMs: 0, untilMs: 0 },
      filters: {},
      backends: [],
      byTask: [],
      beforeRouting: { requests: 0, cancelled: 0, errors: 0, superseded: 0, excluded: 0 },
      languages: [],
      showEvents: false,
      cache: { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 },
      recent: this.rows,
    };
  }
  onDidChange(): () => void {
    return () => undefined;
  }
  close(): void {}
}

/** DEFAULT_CONFIG with overrides; debounce off unless a test turns it on. */
export function testConfig(overrides: Record<string, unknown> = {}): TandemConfig {
  const { config, warnings } = mergeConfig({ 'completion.debounceMs': 0, ...overrides }, DEFAULT_CONFIG);
  if (warnings.length > 0) throw new Error(warnings.join(' '));
  return config;
}

/** Every RequestRow field a row must have (the store's non-optional columns), so a test can
 * check a row is complete. */
export const ROW_FIELDS: readonly string[] = COLUMNS.filter((column) => !column.optional).map((column) => column.field);

/** Fails when any row recorded so far would be refused by the real recorder. */
export function assertAllRowsValid(): void {
  const invalid = FakeMetrics.all.flatMap((metrics) => metrics.invalid);
  FakeMetrics.all.length = 0;
  if (invalid.length > 0) throw new Error(`Invalid metrics rows: ${invalid.join('; ')}`);
}
