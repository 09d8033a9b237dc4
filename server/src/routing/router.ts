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
 *
 * Deadlines (issue 10): the caller's signal carries its deadline (aborted with a TimeoutError) or
 * a real cancellation (any other reason). An offload attempt with a fallback behind it gets a
 * first-token and a stall budget cut from that deadline (deadline.ts), so a silent endpoint
 * fails early enough for the local model to answer within the same deadline; that timeout is a
 * failure like a reset or a refused connection: it charges the breaker, is a fallback reason and
 * is reported in `failedAttempts` (one row of its backend). The caller's deadline itself ends the
 * request with a TimeoutError, never a CancelledError; a cancellation never falls back.
 *
 * One health model: an offload endpoint the backend reported `down` (a reset or a refused
 * connection) is still asked until its breaker opens, so resets, refusals and stalls all count
 * towards `breaker.failureThreshold` and the status bar's `down` is followed by `open`. Every
 * answer that replaced an offload the policy wanted carries a fallback reason, also when offload
 * was passed over without being asked (breaker open, not available).
 */
import { BackendError, UnavailableError, type Backend } from '../backends/backend';
import { WarmingUpError } from '../backends/offload/errorMapping';
import type { TandemConfig } from '../config';
import type { Logger } from '../logger';
import type { BackendId, BreakerState, Task } from '../protocol';
import { abortError, asBackendError, asCancelled, isCancellation, isDeadline } from './abortErrors';
import { measureAttempt, type Attempt } from './attempt';
import { CircuitBreaker } from './circuitBreaker';
import { offloadBudget } from './deadline';
import { attachFailedAttempts, attachInterruptedAttempt, type InterruptedAttempt } from './failedAttempts';
import { describeHedge, hedgeRecord, runHedged, type HedgeOutcome } from './hedge';
import { LatencyTracker } from './latencyTracker';
import { bucketOf } from './learned/buckets';
import { learnedOptionsOf } from './learned/fromConfig';
import { LearnedRouting } from './learned/learnedRouting';
import { PlanMemo } from './planMemo';
import { planRoute, type RoutePlan, type Usability } from './policy';
import { failedAttemptRow, interruptedAttemptRow, openAttempts, type Build, type OnText, type Run, type StartedAttempt } from './routeRun';
import { shadowTarget } from './shadowTarget';
import type { GenerationRouter, RouteContext, RoutedGeneration, ShadowRouting } from './types';

export interface RouterOptions {
  local: Backend;
  offload: Backend | undefined;
  config: () => TandemConfig;
  log: Logger;
  now?: () => number;
  /** Uniform in [0, 1) for learned routing's exploration; default Math.random. */
  random?: () => number;
}

/** No backend could be tried at all (none configured, all down or breakers open). */
export class NoBackendError extends UnavailableError {}

export class Router implements GenerationRouter, ShadowRouting {
  private local: Backend;
  private offload: Backend | undefined;
  private readonly breakers = new Map<BackendId, CircuitBreaker>();
  private readonly latency = new LatencyTracker();
  /** Each backend's own answer time (from its attempt's start): the local reserve in deadline.ts. */
  private readonly ownLatency = new LatencyTracker();
  private readonly breakerListeners = new Set<(backend: BackendId, state: BreakerState) => void>();
  private readonly now: () => number;
  private readonly plans: PlanMemo;

  /** Learned `auto` routing (learned/): estimates per bucket, fed by attempts here and by verdicts. */
  readonly learned: LearnedRouting;

  constructor(private readonly options: RouterOptions) {
    this.local = options.local;
    this.offload = options.offload;
    this.now = options.now ?? (() => performance.now());
    this.plans = new PlanMemo(this.now);
    this.learned = new LearnedRouting({
      ...learnedOptionsOf(options.config().routing),
      now: this.now,
      random: options.random ?? Math.random,
    });
  }

  /** Swaps the offload backend (configuration changed); its breaker starts closed, nothing learned about it. */
  setOffload(offload: Backend | undefined): void {
    this.offload = offload;
    this.breakers.delete('offload');
    // Another endpoint or model: what was learned about the old one says nothing about it.
    this.learned.forget('offload');
    this.plans.clear();
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

  /** The request's plan, made once per request id (planMemo.ts). */
  private plan(context: RouteContext): RoutePlan {
    return this.plans.planFor(context.requestId, () => this.freshPlan(context));
  }

  private freshPlan(context: RouteContext): RoutePlan {
    const config = this.options.config();
    const learning = config.routing.objective !== 'fixed';
    if (learning) this.learned.configure(learnedOptionsOf(config.routing));
    const bucket = bucketOf(context);
    return planRoute({
      ...(learning ? { learned: (order: readonly Backend[]) => this.learnedChoice(bucket, order) } : {}),
      policy: policyFor(context, config),
      context,
      local: this.local,
      offload: this.offload,
      usable: (backend) => this.usable(backend, context.task),
      latencyMs: (backend) => this.latency.get(backend.id, context.task),
      budgetMs: taskTimeoutMs(config, context.task),
    });
  }

  async generate(context: RouteContext, build: Build, signal: AbortSignal, onText?: OnText): Promise<RoutedGeneration> {
    const plan = this.plan(context);
    if (plan.order.length === 0) {
      throw new NoBackendError(`No backend can answer: ${plan.unavailableReason ?? 'none is available'}.`);
    }
    const run: Run = {
      context,
      build,
      signal,
      onText,
      started: this.now(),
      emitted: false,
      failures: [],
      attempts: [],
      ...(plan.passedOver ? { fallbackReason: plan.passedOver } : {}),
    };
    const [first, second] = plan.order;
    const hedgeMs = this.deadlineBudget(plan, run);
    try {
      if (hedgeMs !== undefined && first && second) {
        if (this.breaker(first.id).canRequest()) return await this.hedged(plan, first, second, hedgeMs, run);
        run.fallbackReason = `${first.id} breaker open`;
        return await this.sequential(plan.order.slice(1), plan.decision, run);
      }
      return await this.sequential(plan.order, plan.decision, run);
    } catch (error) {
      const interrupted = this.interrupted(run, error);
      throw attachInterruptedAttempt(attachFailedAttempts(error, run.failures), interrupted);
    }
  }

  /**
   * The attempts still open when the request ended with `error`, and what they were (issue 11: a
   * request that ended during an attempt belongs to that attempt's backend, never to none). A
   * hedge leg its rival stopped is not one of them. At the caller's deadline each is a timeout
   * of its backend, noted once (here or in runOn, whichever comes first: a hedge's legs wind
   * down after the run has ended). At a cancellation the first is what the request was waiting
   * on; returned for its row.
   */
  private interrupted(run: Run, error: unknown): InterruptedAttempt | undefined {
    const open = openAttempts(run);
    if (run.signal.aborted && isDeadline(run.signal.reason) && error instanceof BackendError) {
      for (const attempt of open) this.settleFailed(run, attempt, error);
      return undefined;
    }
    const waited = open[0];
    if (!waited || !isCancellation(error)) return undefined;
    return interruptedAttemptRow(run, waited, this.now());
  }

  /**
   * Sets the offload attempt's first-token and stall budgets when a fallback stands behind it,
   * and returns when to start the second backend as a hedge: `routing.hedgeMs`, or earlier when
   * the deadline leaves local no room for a sequential fallback (deadline.ts); undefined: none.
   */
  private deadlineBudget(plan: RoutePlan, run: Run): number | undefined {
    const config = this.options.config();
    const configured = config.routing.hedgeMs > 0 ? config.routing.hedgeMs : undefined;
    const at = plan.order.findIndex((backend) => backend.id === 'offload');
    if (at < 0 || at === plan.order.length - 1) return configured;
    const { task } = run.context;
    const budget = offloadBudget({
      task,
      remainingMs: run.context.budgetMs ?? taskTimeoutMs(config, task),
      offloadTimeoutMs: config.offload.timeoutMs,
      localRecentMs: this.ownLatency.get(this.local.id, task),
    });
    run.offloadLimits = { firstTokenMs: budget.firstTokenMs, stallMs: budget.stallMs };
    if (at !== 0 || budget.hedgeAtMs === undefined) return configured;
    return configured === undefined ? budget.hedgeAtMs : Math.min(configured, budget.hedgeAtMs);
  }

  /** ShadowRouting: one backend, no fallback; used for shadow requests. */
  async generateOn(backend: Backend, context: RouteContext, build: Build, signal: AbortSignal): Promise<RoutedGeneration> {
    if (!this.breaker(backend.id).canRequest()) throw new NoBackendError(`The ${backend.id} backend's breaker is open.`);
    const run: Run = { context, build, signal, onText: undefined, started: this.now(), emitted: false, failures: [], attempts: [] };
    const attempt = await this.runOn(backend, run, signal, () => {});
    return { ...attempt, decision: `${backend.id} only` };
  }

  /** ShadowRouting: see shadowTarget.ts for the rule. */
  shadowTarget(context: RouteContext, answered: BackendId): Backend | undefined {
    return shadowTarget({
      policy: policyFor(context, this.options.config()),
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
    if (outcome.cancelled || run.signal.aborted) throw abortError(run.signal);
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
    return this.sequential(
      plan.order.filter((backend) => !failed.has(backend)),
      plan.decision,
      run,
    );
  }

  private async sequential(order: readonly Backend[], decision: string, run: Run): Promise<RoutedGeneration> {
    for (const backend of order) {
      if (run.signal.aborted) throw abortError(run.signal);
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
        if (run.signal.aborted) throw abortError(run.signal, error);
        if (isCancellation(error)) throw asCancelled(error);
        const failure = this.noteFailure(run, backend, error);
        if (!failure.canFallback) break;
      }
    }
    throw run.lastError ?? new NoBackendError(`No backend can answer: ${run.fallbackReason ?? 'all unavailable'}.`);
  }

  /**
   * One attempt on one backend, with its breaker and latency bookkeeping. Cancelled through
   * `signal` (the caller's, or a hedge leg's own), it counts as neither success nor failure. The
   * caller's deadline reached during it is a failure of the attempt (offload's breaker is charged:
   * a silent endpoint; the local model is not shut out for the caller's tight deadline).
   */
  private async runOn(backend: Backend, run: Run, signal: AbortSignal, onText: (delta: string) => void): Promise<Attempt> {
    const breaker = this.breaker(backend.id);
    const began = this.now();
    const limits = backend.id === 'offload' ? run.offloadLimits : undefined;
    const tracked: StartedAttempt = { backend, began, signal, settled: false };
    run.attempts.push(tracked);
    try {
      const attempt = await measureAttempt({
        backend,
        request: run.build(backend),
        signal,
        started: run.started,
        now: this.now,
        onText,
        limits,
      });
      tracked.settled = true;
      breaker.recordSuccess();
      this.learned.observeAttempt(bucketOf(run.context), backend.id, { ok: true, ttftMs: attempt.ttftMs, e2eMs: attempt.e2eMs });
      this.latency.record(backend.id, run.context.task, attempt.e2eMs);
      this.ownLatency.record(backend.id, run.context.task, this.now() - began);
      return attempt;
    } catch (error) {
      if (signal.aborted && isDeadline(signal.reason)) {
        const timeout = abortError(signal, error);
        if (backend.id === 'offload') breaker.recordFailure();
        this.settleFailed(run, tracked, timeout);
        throw timeout;
      }
      // Left open: the run's end says what it was waiting on (interrupted()).
      if (signal.aborted || isCancellation(error)) throw asCancelled(error);
      const failure = asBackendError(error, backend);
      if (failure.kind !== 'bad-request' && !(failure instanceof WarmingUpError)) breaker.recordFailure();
      this.options.log.warn(`Backend ${backend.id} failed (${failure.kind}): ${failure.message}`);
      this.settleFailed(run, tracked, failure);
      throw failure;
    }
  }

  /** Learned routing's pick among the usable backends (fixed rule's order), as a plan entry. */
  private learnedChoice(bucket: string, order: readonly Backend[]): { backend: Backend; reason: string } | undefined {
    const choice = this.learned.choose(
      bucket,
      order.map((backend) => backend.id),
    );
    const backend = choice && order.find((candidate) => candidate.id === choice.backend);
    return choice && backend ? { backend, reason: choice.reason } : undefined;
  }

  /** Notes a failed attempt once: one row of its backend. */
  private settleFailed(run: Run, attempt: StartedAttempt, failure: BackendError): void {
    if (attempt.settled) return;
    attempt.settled = true;
    this.learned.observeAttempt(bucketOf(run.context), attempt.backend.id, { ok: false });
    run.failures.push(failedAttemptRow(run, attempt, failure, this.now()));
  }

  private noteFailure(run: Run, backend: Backend, error: unknown): BackendError {
    const failure = asBackendError(error, backend);
    run.fallbackReason = `${backend.id} ${failure.kind}: ${failure.message}`;
    run.lastError = failure;
    return failure;
  }

  private routed(attempt: Attempt, decision: string, run: Run, hedge?: RoutedGeneration['hedge']): RoutedGeneration {
    // The answer the user will judge: its verdict teaches learned routing about this backend.
    if (run.context.requestId !== undefined) this.learned.trackAnswer(run.context.requestId, bucketOf(run.context), attempt.backend.id);
    return {
      ...attempt,
      decision,
      ...(run.fallbackReason ? { fallbackReason: run.fallbackReason } : {}),
      ...(hedge ? { hedge } : {}),
      ...(run.failures.length > 0 ? { failedAttempts: [...run.failures] } : {}),
    };
  }

  private usable(backend: Backend, task: Task): Usability {
    if (!backend.isAvailable(task) && !this.breakerJudges(backend)) return { ok: false, why: backend.status().detail ?? 'unavailable' };
    if (!this.breaker(backend.id).canProbe()) return { ok: false, why: `breaker ${this.breaker(backend.id).state}` };
    return { ok: true };
  }

  /**
   * An offload endpoint that reported itself `down` after a reset or a refused connection is
   * still the breaker's to judge: the failures count towards its threshold (one health model),
   * and a request that finds it back simply succeeds. Disabled or warming up stays skipped.
   */
  private breakerJudges(backend: Backend): boolean {
    return backend.id === 'offload' && backend.status().state === 'down';
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

/** An untitled document's text must not leave the machine: the `local` policy, whatever is set. */
function policyFor(context: RouteContext, config: TandemConfig): TandemConfig['routing']['policy'] {
  return context.localOnly ? 'local' : config.routing.policy;
}

/** The caller's whole deadline for a task (`completion.timeoutMs`, `explain.timeoutMs`). */
function taskTimeoutMs(config: TandemConfig, task: Task): number {
  return task === 'explain' ? config.explain.timeoutMs : config.completion.timeoutMs;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
