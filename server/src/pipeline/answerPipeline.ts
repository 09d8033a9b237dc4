/**
 * The one answer pipeline, shared by completion and explain: cache lookup for the first-choice
 * backend → (the task's wait, e.g. the completion debounce) → generation through the router (its
 * fallback and hedge) → cache store → rows for the failed attempts and one row for the request.
 * The task supplies what differs (AnswerTask): its prompt builder, what it makes of a cached or
 * generated answer (filters, result shape, the row's extra fields) and of a failure.
 *
 * The route is planned once: the lookup (`firstChoice`) and the generation pass the same
 * `route.requestId`, and the router keeps one plan per request id (routing/router.ts).
 *
 * Cache design: answers are cached per backend under the key of the request that backend was
 * sent (its template shapes the prompt). A lookup uses the backend the router would try first,
 * so a cached answer is exactly what routing would have produced; answers are stored under the
 * backend that actually answered (after a fallback, the other one).
 */
import { type Backend, type GenerateRequest } from '../backends/backend';
import { cacheKey } from '../cache/cacheKey';
import type { AnswerCache, CacheHit } from '../cache/types';
import type { Logger } from '../logger';
import type { MetricsRecorder, RequestText } from '../metrics/types';
import type { Outcome, RequestRow, Task } from '../protocol';
import type { GenerationRouter, RouteContext, RoutedGeneration } from '../routing/types';
import { failedAttemptRows, routingFailedRows } from './attemptRows';
import { cacheKeyParts } from './cacheKeyParts';
import type { FirstChoice } from './firstChoice';
import { failureFields, generationFields } from './rows';
import type { RequestSignal } from './signals';

export interface AnswerPipelineOptions {
  router: GenerationRouter;
  firstChoice: FirstChoice;
  cache: AnswerCache;
  metrics: MetricsRecorder;
  log: Logger;
  /** The task whose requests this pipeline answers (named in log lines). */
  task: Task;
}

/** An answer the cache held for the first-choice backend. */
export interface CachedAnswerFound {
  backend: Backend;
  /** The request the first-choice backend would have been sent (its stops, its prompt). */
  request: GenerateRequest;
  hit: CacheHit;
  /** The row's fields for a cache hit: no tokens (they cost none), TTFT = E2E = time so far. */
  fields: Partial<RequestRow>;
}

/** An answer the router produced. */
export interface GeneratedAnswer {
  routed: RoutedGeneration;
  /** The request the answering backend was sent. */
  request: GenerateRequest;
  /** The row's fields for the generation (rows.ts generationFields). */
  fields: Partial<RequestRow>;
}

/** What one task makes of the pipeline's steps; `Result` is what the task returns to its caller. */
export interface AnswerTask<Result> {
  route: RouteContext;
  /** The request's row as far as it is known before routing (rows.ts emptyRow). */
  row: RequestRow;
  /** When the request began (performance.now()): a cache hit's latency is measured from it. */
  started: number;
  /** The request's one signal: its deadline and cancellation (signals.ts). */
  limit: RequestSignal;
  /** The prompt builder: the request for whichever backend is looked up or tried. */
  prompt(backend: Backend): GenerateRequest;
  /** Time left until the deadline when the generation starts (routing/deadline.ts cuts from it). */
  budgetMs(): number;
  /** Streamed deltas; `reset` after a fallback restarted the answer elsewhere. */
  onText?: (delta: string, backend: Backend, reset: boolean) => void;
  /** A cached answer → the result (the task records its row), or undefined to treat it as a miss. */
  fromCache(found: CachedAnswerFound): Result | undefined;
  /** Before generating (the completion debounce); a result ends the request there. */
  beforeGenerate?(): Promise<Result | undefined>;
  /** What of a finished generation goes into the cache; undefined stores nothing. */
  cacheEntry(generated: GeneratedAnswer): { text: string; model: string } | undefined;
  /** A generation → the result (the task records its row). */
  fromGeneration(generated: GeneratedAnswer): Result;
  /** No answer: the request's row is recorded already; returns the task's result or throws. */
  failed(error: unknown, failure: { outcome: Outcome; errorClass: string | null }): Result;
}

export class AnswerPipeline {
  constructor(private readonly options: AnswerPipelineOptions) {}

  async answer<Result>(task: AnswerTask<Result>): Promise<Result> {
    const cached = this.lookup(task);
    if (cached !== undefined) return cached;
    const waited = await task.beforeGenerate?.();
    if (waited !== undefined) return waited;
    return this.generate(task);
  }

  /** A metrics failure must not cost the user their answer; it is logged instead. */
  record(row: RequestRow, text?: RequestText): void {
    try {
      this.options.metrics.record(row, text);
    } catch (error) {
      this.options.log.warn(`Recording ${this.options.task} metrics failed: ${describeError(error)}`);
    }
  }

  private lookup<Result>(task: AnswerTask<Result>): Result | undefined {
    const backend = this.options.firstChoice(task.route);
    if (!backend) return undefined;
    const request = task.prompt(backend);
    const hit = this.options.cache.get(cacheKey(cacheKeyParts(backend, request)));
    if (!hit) return undefined;
    const elapsed = performance.now() - task.started;
    // Cache hits cost no tokens: token fields stay null so cost and throughput are not inflated.
    const fields = {
      decision: `cache ${hit.tier} (${backend.id} answer)`,
      backend: backend.id,
      model: hit.value.model,
      cacheTier: hit.tier,
      ttftMs: elapsed,
      e2eMs: elapsed,
    };
    return task.fromCache({ backend, request, hit, fields });
  }

  private async generate<Result>(task: AnswerTask<Result>): Promise<Result> {
    const requests = new Map<Backend['id'], GenerateRequest>();
    const { limit } = task;
    let routed: RoutedGeneration;
    try {
      routed = await this.options.router.generate(
        { ...task.route, budgetMs: task.budgetMs() },
        (backend) => {
          const request = task.prompt(backend);
          requests.set(backend.id, request);
          return request;
        },
        limit.signal,
        task.onText,
      );
    } catch (error) {
      const failure = failureFields(error, { timedOut: limit.timedOut(), aborted: limit.signal.aborted });
      const { fields, attemptRows } = routingFailedRows(task.row, error);
      for (const row of attemptRows) this.record(row);
      this.record({ ...task.row, ...fields, ...failure });
      return task.failed(error, failure);
    }
    for (const row of failedAttemptRows(task.row, routed.failedAttempts ?? [], routed.decision)) this.record(row);
    const request = requests.get(routed.backend.id) ?? task.prompt(routed.backend);
    const generated = { routed, request, fields: generationFields(routed, this.options.task) };
    this.store(routed, request, task.cacheEntry(generated));
    return task.fromGeneration(generated);
  }

  /** Answers of finished generations only: a cut-off stream must never be replayed. */
  private store(routed: RoutedGeneration, request: GenerateRequest, entry: { text: string; model: string } | undefined): void {
    if (!entry || routed.finishReason === 'cancelled') return;
    this.options.cache.set(cacheKey(cacheKeyParts(routed.backend, request)), {
      text: entry.text,
      backend: routed.backend.id,
      model: entry.model,
      createdAt: Date.now(),
      promptTokens: routed.usage.promptTokens,
      completionTokens: routed.usage.completionTokens,
    });
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
