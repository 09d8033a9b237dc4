/**
 * Runs one generation on the backend the policy picks, falls back when it fails, and measures
 * what it cost (TTFT and E2E from the moment `generate` is called, so a fallback's lost time
 * is counted, as the user felt it). With `routing.hedgeMs` set and two backends in the plan,
 * the first two race as a hedge (hedge.ts) before any further fallback.
 *
 * One circuit breaker per backend: a backend that keeps failing is skipped until its cooldown
 * ends, then one probe request decides whether it is back. Not failures: a cancelled request,
 * a hedge loser stopped because the other answered, a request the backend refused as malformed
 * (bad-request), and a model still loading (WarmingUpError: the backend reports 'warming-up'
 * and the re-probe brings it back; opening the breaker would only delay that).
 */
import {
  BackendError,
  CancelledError,
  UnavailableError,
  type Backend,
  type GenerateRequest,
} from '../backends/backend';
import { WarmingUpError } from '../backends/offload/errorMapping';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { BackendId, BreakerState, Task } from '../protocol';
import { measureAttempt, type Attempt } from './attempt';
import { CircuitBreaker } from './circuitBreaker';
import { describeHedge, hedgeRecord, runHedged, type HedgeOutcome } from './hedge';
import { LatencyTracker } from './latencyTracker';
import { planRoute, type RoutePlan, type Usability } from './policy';
import { shadowTarget } from './shadowTarget';
import type { GenerationRouter, RouteContext, RoutedGeneration, ShadowRouting } from './types';

export interface RouterOptions {
  local: Backend;
  offload: Backend | undefined;
  config: () => TandemConfig;
  log: Logger;
  now?: () => number;
}

/** No backend could be tried at all (none configured, all down or breakers open). */
export class NoBackendError extends UnavailableError {}

type Build = (backend: Backend) => GenerateRequest;
type OnText = (delta: string, backend: Backend, reset: boolean) => void;

/** One routed request's running state: what was streamed, why earlier backends were left. */
interface Run {
  context: RouteContext;
  build: Build;
  signal: AbortSignal;
  onText: OnText | undefined;
  started: number;
  emitted: boolean;
  fallbackReason?: string;
  lastError?: BackendError;
}

export class Router implements GenerationRouter, ShadowRouting {
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

  private plan(context: RouteContext): RoutePlan {
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

  async generate(context: RouteContext, build: Build, signal: AbortSignal, onText?: OnText): Promise<RoutedGeneration> {
    const plan = this.plan(context);
    if (plan.order.length === 0) {
      throw new NoBackendError(`No backend can answer: ${plan.unavailableReason ?? 'none is available'}.`);
    }
    const run: Run = { context, build, signal, onText, started: this.now(), emitted: false };
    const [first, second] = plan.order;
    const hedgeMs = this.options.config().routing.hedgeMs;
    if (hedgeMs > 0 && first && second) {
      if (this.breaker(first.id).canRequest()) return this.hedged(plan, first, second, hedgeMs, run);
      run.fallbackReason = `${first.id} breaker open`;
      return this.sequential(plan.order.slice(1), plan.decision, run);
    }
    return this.sequential(plan.order, plan.decision, run);
  }

  /** ShadowRouting: one backend, no fallback; used for shadow requests. */
  async generateOn(backend: Backend, context: RouteContext, build: Build, signal: AbortSignal): Promise<RoutedGeneration> {
    if (!this.breaker(backend.id).canRequest()) throw new NoBackendError(`The ${backend.id} backend's breaker is open.`);
    const attempt = await this.runOn(backend, { context, build, signal, onText: undefined, started: this.now(), emitted: false }, signal, () => {});
    return { ...attempt, decision: `${backend.id} only` };
  }

  /** ShadowRouting: see shadowTarget.ts for the rule. */
  shadowTarget(context: RouteContext, answered: BackendId): Backend | undefined {
    return shadowTarget({
      policy: this.options.config().routing.policy,
      local: this.local,
      offload: this.offload,
      answered,
      healthy: (backend) => this.usable(backend, context.task).ok && this.breakerState(backend.id) === 'closed',
    });
  }

  private async hedged(plan: RoutePlan, first: Backend, second: Backend, hedgeMs: number, run: Run): Promise<RoutedGeneration> {
    const outcome: HedgeOutcome<Attempt> = await runHedged({
      first,
      second,
      hedgeMs,
      signal: run.signal,
      now: this.now,
      mayStart: (backend) => this.breaker(backend.id).canRequest(),
      run: (backend, legSignal, onLegText) => this.runOn(backend, run, legSignal, onLegText),
      onText: (delta, backend) => {
        run.emitted = true;
        run.onText?.(delta, backend, false);
      },
    });
    if (outcome.cancelled || run.signal.aborted) throw new CancelledError(undefined, { cause: run.signal.reason });
    for (const leg of outcome.legs) {
      if (leg.state !== 'failed') continue;
      if (isCancellation(leg.error)) throw asCancelled(leg.error);
      // A failure of the second leg while the first choice answered is no fallback.
      if (outcome.result && leg.backend === second && outcome.winner === first) continue;
      this.noteFailure(run, leg.backend, leg.error as BackendError);
    }
    if (outcome.result) {
      const hedge = hedgeRecord(outcome, describeError);
      return this.routed(outcome.result, hedge ? `${plan.decision}; ${describeHedge(hedge)}` : plan.decision, run, hedge);
    }
    if (run.lastError && !run.lastError.canFallback) throw run.lastError;
    // The winner broke mid-stream (its rival was stopped) or both failed: fall back as usual.
    const failed = new Set(outcome.legs.filter((leg) => leg.state === 'failed').map((leg) => leg.backend));
    return this.sequential(plan.order.filter((backend) => !failed.has(backend)), plan.decision, run);
  }

  private async sequential(order: readonly Backend[], decision: string, run: Run): Promise<RoutedGeneration> {
    for (const backend of order) {
      if (run.signal.aborted) throw new CancelledError(undefined, { cause: run.signal.reason });
      if (!this.breaker(backend.id).canRequest()) {
        run.fallbackReason ??= `${backend.id} breaker open`;
        continue;
      }
      let resetPending = run.emitted;
      try {
        const attempt = await this.runOn(backend, run, run.signal, (delta) => {
          run.emitted = true;
          run.onText?.(delta, backend, resetPending);
          resetPending = false;
        });
        return this.routed(attempt, decision, run);
      } catch (error) {
        if (run.signal.aborted || isCancellation(error)) throw asCancelled(error);
        const failure = this.noteFailure(run, backend, error);
        if (!failure.canFallback) break;
      }
    }
    throw run.lastError ?? new NoBackendError(`No backend can answer: ${run.fallbackReason ?? 'all unavailable'}.`);
  }

  /**
   * One attempt on one backend, with its breaker and latency bookkeeping. Aborted by `signal`
   * (the caller's, or a hedge leg's own), it counts as neither success nor failure.
   */
  private async runOn(backend: Backend, run: Run, signal: AbortSignal, onText: (delta: string) => void): Promise<Attempt> {
    const breaker = this.breaker(backend.id);
    try {
      const attempt = await measureAttempt(backend, run.build(backend), signal, run.started, this.now, onText);
      breaker.recordSuccess();
      this.latency.record(backend.id, run.context.task, attempt.e2eMs);
      return attempt;
    } catch (error) {
      if (signal.aborted || isCancellation(error)) throw asCancelled(error);
      const failure = asBackendError(error, backend);
      if (failure.kind !== 'bad-request' && !(failure instanceof WarmingUpError)) breaker.recordFailure();
      this.options.log.warn(`Backend ${backend.id} failed (${failure.kind}): ${failure.message}`);
      throw failure;
    }
  }

  private noteFailure(run: Run, backend: Backend, error: unknown): BackendError {
    const failure = asBackendError(error, backend);
    run.fallbackReason = `${backend.id} ${failure.kind}: ${failure.message}`;
    run.lastError = failure;
    return failure;
  }

  private routed(attempt: Attempt, decision: string, run: Run, hedge?: RoutedGeneration['hedge']): RoutedGeneration {
    return {
      ...attempt,
      decision,
      ...(run.fallbackReason ? { fallbackReason: run.fallbackReason } : {}),
      ...(hedge ? { hedge } : {}),
    };
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
}

function isCancellation(error: unknown): boolean {
  return error instanceof BackendError && error.kind === 'cancelled';
}

function asCancelled(error: unknown): CancelledError {
  return error instanceof CancelledError ? error : new CancelledError(undefined, { cause: error });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asBackendError(error: unknown, backend: Backend): BackendError {
  if (error instanceof BackendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`${backend.id} backend failed: ${message}`, { cause: error });
}
