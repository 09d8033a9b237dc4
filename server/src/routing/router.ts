/**
 * Runs one generation on the backend the policy picks, falls back when it fails, and measures
 * what it cost (TTFT and E2E from the moment `generate` is called, so a fallback's lost time
 * is counted, as the user felt it).
 *
 * One circuit breaker per backend: a backend that keeps failing is skipped until its cooldown
 * ends, then one probe request decides whether it is back.
 */
import {
  BackendError,
  CancelledError,
  UnavailableError,
  type Backend,
  type GenerateChunk,
  type GenerateRequest,
} from '../backends/backend';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { BackendId, BreakerState, Task } from '../protocol';
import { CircuitBreaker } from './circuitBreaker';
import { LatencyTracker } from './latencyTracker';
import { planRoute, type Usability } from './policy';
import type { GenerationRouter, RouteContext, RoutedGeneration } from './types';

export interface RouterOptions {
  local: Backend;
  offload: Backend | undefined;
  config: () => TandemConfig;
  log: Logger;
  now?: () => number;
}

/** No backend could be tried at all (none configured, all down or breakers open). */
export class NoBackendError extends UnavailableError {}

type Attempt = Omit<RoutedGeneration, 'decision' | 'fallbackReason'>;

export class Router implements GenerationRouter {
  private local: Backend;
  private offload: Backend | undefined;
  private readonly breakers = new Map<BackendId, CircuitBreaker>();
  private readonly latency = new LatencyTracker();
  private readonly breakerListeners = new Set<(backend: BackendId, state: BreakerState) => void>();
  private readonly now: () => number;

  constructor(private readonly options: RouterOptions) {
    this.local = options.local;
    this.offload = options.offload;
    this.now = options.now ?? (() => performance.now());
  }

  /** Swaps the offload backend (configuration changed); its breaker starts closed. */
  setOffload(offload: Backend | undefined): void {
    this.offload = offload;
    this.breakers.delete('offload');
  }

  backends(): Backend[] {
    return this.offload ? [this.local, this.offload] : [this.local];
  }

  breakerState(backend: BackendId): BreakerState {
    return this.breakers.get(backend)?.state ?? 'closed';
  }

  onBreakerChange(listener: (backend: BackendId, state: BreakerState) => void): () => void {
    this.breakerListeners.add(listener);
    return () => this.breakerListeners.delete(listener);
  }

  recentLatencyMs(task: Task): number | undefined {
    const first = this.offload && this.breakerState('offload') !== 'open' ? this.offload : this.local;
    return this.latency.get(first.id, task) ?? this.latency.get(this.local.id, task);
  }

  /** The backend `generate` would try first for this context, without running anything. */
  firstChoice(context: RouteContext): Backend | undefined {
    return this.plan(context).order[0];
  }

  private plan(context: RouteContext) {
    const config = this.options.config();
    return planRoute({
      policy: config.routing.policy,
      context,
      local: this.local,
      offload: this.offload,
      usable: (backend) => this.usable(backend, context.task),
      latencyMs: (backend) => this.latency.get(backend.id, context.task),
      budgetMs: context.task === 'explain' ? config.explain.timeoutMs : config.completion.timeoutMs,
    });
  }

  async generate(
    context: RouteContext,
    build: (backend: Backend) => GenerateRequest,
    signal: AbortSignal,
    onText?: (delta: string, backend: Backend, reset: boolean) => void,
  ): Promise<RoutedGeneration> {
    const plan = this.plan(context);
    if (plan.order.length === 0) {
      throw new NoBackendError(`No backend can answer: ${plan.unavailableReason ?? 'none is available'}.`);
    }
    const started = this.now();
    let fallbackReason: string | undefined;
    let emitted = false;
    let lastError: unknown;
    for (const backend of plan.order) {
      if (signal.aborted) throw new CancelledError(undefined, { cause: signal.reason });
      const breaker = this.breaker(backend.id);
      if (!breaker.canRequest()) {
        fallbackReason ??= `${backend.id} breaker open`;
        continue;
      }
      const resetNext = emitted;
      let resetPending = resetNext;
      try {
        const attempt = await this.attempt(backend, build(backend), signal, started, (delta) => {
          emitted = true;
          onText?.(delta, backend, resetPending);
          resetPending = false;
        });
        breaker.recordSuccess();
        this.latency.record(backend.id, context.task, attempt.e2eMs);
        return { ...attempt, decision: plan.decision, ...(fallbackReason ? { fallbackReason } : {}) };
      } catch (error) {
        if (signal.aborted || (error instanceof BackendError && error.kind === 'cancelled')) {
          throw error instanceof CancelledError ? error : new CancelledError(undefined, { cause: error });
        }
        const failure = asBackendError(error, backend);
        if (failure.kind !== 'bad-request') breaker.recordFailure();
        fallbackReason = `${backend.id} ${failure.kind}: ${failure.message}`;
        this.options.log.warn(`Backend ${backend.id} failed (${failure.kind}): ${failure.message}`);
        lastError = failure;
        if (!failure.canFallback) break;
      }
    }
    throw lastError ?? new NoBackendError(`No backend can answer: ${fallbackReason ?? 'all unavailable'}.`);
  }

  private usable(backend: Backend, task: Task): Usability {
    if (!backend.isAvailable(task)) return { ok: false, why: backend.status().detail ?? 'unavailable' };
    if (!this.breaker(backend.id).canProbe()) return { ok: false, why: `breaker ${this.breaker(backend.id).state}` };
    return { ok: true };
  }

  private breaker(id: BackendId): CircuitBreaker {
    let breaker = this.breakers.get(id);
    if (!breaker) {
      const { failureThreshold, cooldownMs } = this.options.config().breaker;
      breaker = new CircuitBreaker({ failureThreshold, cooldownMs });
      breaker.onDidChange((state) => {
        for (const listener of this.breakerListeners) listener(id, state);
      });
      this.breakers.set(id, breaker);
    }
    return breaker;
  }

  private async attempt(
    backend: Backend,
    request: GenerateRequest,
    signal: AbortSignal,
    started: number,
    onText: (delta: string) => void,
  ): Promise<Attempt> {
    let text = '';
    let firstTokenAt: number | undefined;
    let lastChunkAt: number | undefined;
    const chunkGapsMs: number[] = [];
    let done: Extract<GenerateChunk, { type: 'done' }> | undefined;
    for await (const chunk of backend.generate(request, signal)) {
      if (chunk.type === 'done') {
        done = chunk;
        continue;
      }
      if (chunk.text === '') continue;
      const at = this.now();
      firstTokenAt ??= at;
      if (lastChunkAt !== undefined) chunkGapsMs.push(at - lastChunkAt);
      lastChunkAt = at;
      text += chunk.text;
      onText(chunk.text);
    }
    const finished = this.now();
    const usage = done?.usage ?? { promptTokens: 0, completionTokens: 0, source: 'estimate' as const };
    return {
      backend,
      text,
      usage,
      finishReason: done?.finishReason ?? 'unknown',
      ttftMs: (firstTokenAt ?? finished) - started,
      e2eMs: finished - started,
      chunkGapsMs,
      ...(done?.serverTimings ? { serverTimings: done.serverTimings } : {}),
    };
  }
}

function asBackendError(error: unknown, backend: Backend): BackendError {
  if (error instanceof BackendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`${backend.id} backend failed: ${message}`, { cause: error });
}
