/**
 * Auto routing that learns from what Tandem measures: per bucket (buckets.ts) and backend, it
 * keeps decaying estimates of TTFT and E2E, of how often answers were useful (accepted for
 * completions, rated up for explanations), of failures and of cost, and picks the backend with
 * the highest expected utility (objective.ts) within the hard limits.
 *
 * Exploration: a backend with no recent evidence (never tried, or its evidence faded) or an
 * uncertain acceptance estimate is tried by Thompson sampling over the acceptance belief, but
 * never more often than `explorationRate` of all decisions (counted over a sliding window), so
 * the user pays for learning at a bounded, configured rate. Before any evidence exists the
 * fixed rule (policy.ts) decides; a benchmark report can warm-start the estimates.
 */
import type { BackendId } from '../../protocol';
import { sampleBeta } from './betaSample';
import { DecayedBeta, DecayedSamples } from './decayed';
import { utility, type Estimate, type Limits, type Objective } from './objective';
import type { Priors } from './warmStart';

export interface LearnedRoutingOptions {
  objective: Objective;
  limits: Limits;
  /** Share of decisions that may differ from the best estimate to learn (0..1). */
  explorationRate: number;
  /** Latency, failure and cost evidence halves in weight every this many ms. */
  halfLifeMs: number;
  /**
   * The same for usefulness (acceptance, thumbs): a backend's quality changes slowly (a model is
   * replaced) while its speed changes fast (load, a warming container), and verdicts arrive only
   * for answers shown: a short half-life would forget a backend's quality while it is avoided.
   */
  usefulHalfLifeMs: number;
  now: () => number;
  /** Uniform in [0, 1): seeded in tests and simulations. */
  random: () => number;
}

export interface Choice {
  backend: BackendId;
  /** In words, for the metrics row's decision. */
  reason: string;
  explored: boolean;
}

/** What the panel shows per bucket and backend. */
export interface BackendEstimate {
  bucket: string;
  backend: BackendId;
  /** Remaining weight of latency evidence (about: recent requests). */
  evidence: number;
  ttftP50Ms?: number;
  ttftP90Ms?: number;
  e2eP50Ms?: number;
  e2eP90Ms?: number;
  useful: number;
  failure: number;
  costUsd: number;
}

/**
 * A backend's latency is unknown below this remaining weight (about two recent requests), or
 * when its newest sample is older than one half-life: then it is probed again (within the
 * exploration rate), like a circuit breaker's half-open state, so a backend left for being slow
 * is noticed when it is fast again.
 */
const MIN_EVIDENCE = 1.5;
/** Latency estimates are over this many most recent requests of a backend in a bucket. */
const LATENCY_SAMPLES = 5;
/** Decisions the exploration rate is counted over. */
const EXPLORATION_WINDOW = 200;
const REMEMBERED_ANSWERS = 2000;

class BackendEvidence {
  readonly ttft: DecayedSamples;
  readonly e2e: DecayedSamples;
  readonly useful: DecayedBeta;
  readonly failure: DecayedBeta;
  readonly cost: DecayedSamples;

  constructor(halfLifeMs: number, usefulHalfLifeMs: number) {
    // Latency from the last few requests only: a stall must move routing within a few requests.
    this.ttft = new DecayedSamples(halfLifeMs, LATENCY_SAMPLES);
    this.e2e = new DecayedSamples(halfLifeMs, LATENCY_SAMPLES);
    // Prior mean 25 % with the weight of four answers: about what completions are accepted at
    // (Copilot reports 25-30 %), so two lucky accepts of a new backend do not outweigh a history.
    this.useful = new DecayedBeta(usefulHalfLifeMs, { alpha: 1, beta: 3 });
    // Failures are rare and the breaker handles outages: a prior of "1 in 20" rather than 50 %,
    // so a new backend is not charged for failures it never had.
    this.failure = new DecayedBeta(halfLifeMs, { alpha: 0.05, beta: 1 });
    this.cost = new DecayedSamples(halfLifeMs);
  }
}

export class LearnedRouting {
  private readonly evidence = new Map<string, BackendEvidence>();
  /** Answers kept (bounded) after their verdict too: a shadow row names its primary's id. */
  private readonly answers = new Map<string, { bucket: string; backend: BackendId; shownChars?: number; judged?: boolean }>();
  /** 1 = explored, 0 = exploited, most recent last. */
  private readonly recentDecisions: number[] = [];
  private explored = 0;
  private priors: Priors | undefined;

  constructor(private options: LearnedRoutingOptions) {}

  configure(options: Partial<LearnedRoutingOptions>): void {
    const halfLifeChanged =
      (options.halfLifeMs !== undefined && options.halfLifeMs !== this.options.halfLifeMs) ||
      (options.usefulHalfLifeMs !== undefined && options.usefulHalfLifeMs !== this.options.usefulHalfLifeMs);
    this.options = { ...this.options, ...options };
    if (halfLifeChanged) this.evidence.clear();
  }

  /**
   * Priors from a benchmark report (warmStart.ts): a bucket's first evidence of a backend starts
   * from them. Only buckets created from now on; undefined removes them.
   */
  setPriors(priors: Priors | undefined): void {
    this.priors = priors;
  }

  /** Forgets everything learned about `backend` (its endpoint or model changed: a new backend). */
  forget(backend: BackendId): void {
    for (const key of [...this.evidence.keys()]) if (splitKey(key)[1] === backend) this.evidence.delete(key);
    for (const [id, answer] of this.answers) if (answer.backend === backend) this.answers.delete(id);
  }

  /** One attempt of `backend` in `bucket` finished: its timing, or a failure (error or timeout). */
  observeAttempt(bucket: string, backend: BackendId, result: { ok: true; ttftMs: number; e2eMs: number } | { ok: false }): void {
    const now = this.options.now();
    const evidence = this.of(bucket, backend);
    evidence.failure.observe(result.ok ? 0 : 1, now);
    if (!result.ok) return;
    evidence.ttft.observe(result.ttftMs, now);
    evidence.e2e.observe(result.e2eMs, now);
  }

  observeCost(bucket: string, backend: BackendId, usd: number): void {
    if (Number.isFinite(usd) && usd >= 0) this.of(bucket, backend).cost.observe(usd, this.options.now());
  }

  /** An answer of `backend` was shown: a later verdict on `requestId` counts for it. */
  trackAnswer(requestId: string, bucket: string, backend: BackendId): void {
    this.answers.set(requestId, { bucket, backend });
    if (this.answers.size > REMEMBERED_ANSWERS) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
  }

  /** The answer's metrics row was recorded: its length (for partial accepts) and its cost. */
  observeRecorded(requestId: string, row: { shownChars?: number; costUsd?: number }): void {
    const answer = this.answers.get(requestId);
    if (!answer) return;
    if (row.shownChars !== undefined) answer.shownChars = row.shownChars;
    if (row.costUsd !== undefined) this.observeCost(answer.bucket, answer.backend, row.costUsd);
  }

  /** The bucket a tracked answer was routed in. */
  bucketOfAnswer(requestId: string): string | undefined {
    return this.answers.get(requestId)?.bucket;
  }

  /** Characters of a tracked answer as shown, when known. */
  shownCharsOf(requestId: string): number | undefined {
    return this.answers.get(requestId)?.shownChars;
  }

  /** How useful the answer turned out, 0..1 (accepted share of characters; thumbs up = 1). */
  observeVerdict(requestId: string, useful: number): void {
    const answer = this.answers.get(requestId);
    // The first verdict counts (an accept after a reject is the user changing course, not news).
    if (!answer || answer.judged || !Number.isFinite(useful)) return;
    answer.judged = true;
    this.of(answer.bucket, answer.backend).useful.observe(useful, this.options.now());
  }

  /** Seeds a bucket with a benchmark's figures, as if `weight` recent requests had shown them. */
  warmStart(bucket: string, backend: BackendId, figures: { ttftMs: number; e2eMs: number; useful?: number }, weight = 3): void {
    const now = this.options.now();
    const evidence = this.of(bucket, backend);
    for (let i = 0; i < weight; i++) {
      evidence.ttft.observe(figures.ttftMs, now);
      evidence.e2e.observe(figures.e2eMs, now);
      if (figures.useful !== undefined) evidence.useful.observe(figures.useful, now);
    }
  }

  /**
   * The backend for a request in `bucket` among `candidates` (usable ones, first = the fixed
   * rule's choice), or undefined when the fixed rule should decide: one candidate, or the rule's
   * choice not measured recently.
   */
  choose(bucket: string, candidates: readonly BackendId[]): Choice | undefined {
    if (candidates.length < 2) return undefined;
    const now = this.options.now();
    const views = candidates.map((backend) => this.view(bucket, backend, now));
    // The fixed rule's choice not measured recently (never, or its evidence faded): it decides,
    // which measures it; learning only moves requests away from a backend it has measured.
    if ((views[0] as CandidateView).estimate === undefined) {
      this.decided(0);
      return undefined;
    }
    const known = views.filter((view) => view.estimate !== undefined);
    const allowed = known.filter((view) => this.withinLimits(view));
    const greedy = best(allowed, (view) => utility(this.options.objective, view.estimate as Estimate));
    // No measured backend within the limits: an unmeasured one (in the fixed rule's order) beats
    // one measured over a limit; when every backend is measured and over a limit, the fastest.
    const unmeasured = views.find((view) => view.estimate === undefined);
    const exploit = greedy ?? unmeasured ?? fastest(known);
    const sampled = this.thompson(views, allowed, now);
    if (sampled && sampled.backend !== exploit.backend && this.mayExplore()) {
      this.decided(1);
      return {
        backend: sampled.backend,
        explored: true,
        reason: `auto: ${sampled.backend} (exploring: ${describe(sampled)}; best estimate ${exploit.backend}: ${describe(exploit)})`,
      };
    }
    this.decided(0);
    const reason = greedy
      ? `auto: ${exploit.backend} (${describe(exploit)}${compare(exploit, views)})`
      : unmeasured
        ? `auto: ${exploit.backend} (${(known[0] as CandidateView).backend} over the limits: ${describe(known[0] as CandidateView)}; ${exploit.backend} not measured recently)`
        : `auto: ${exploit.backend} (every backend over the limits; lowest TTFT: ${describe(exploit)})`;
    return { backend: exploit.backend, explored: false, reason };
  }

  /**
   * What `choose` would pick now if it did not explore, for the panel's "would pick now": no
   * side effects (no decision counted towards the exploration rate, no evidence created, no
   * random draw). Undefined where `choose` leaves the decision to the fixed rule: fewer than two
   * candidates, or the fixed rule's choice (the first) not measured recently.
   */
  peek(bucket: string, candidates: readonly BackendId[]): { backend: BackendId; reason: string } | undefined {
    if (candidates.length < 2) return undefined;
    const now = this.options.now();
    const views = candidates.map((backend) => this.view(bucket, backend, now, false));
    if ((views[0] as CandidateView).estimate === undefined) return undefined;
    // The same exploitation as `choose` (a unit test holds the two together).
    const known = views.filter((view) => view.estimate !== undefined);
    const greedy = best(
      known.filter((view) => this.withinLimits(view)),
      (view) => utility(this.options.objective, view.estimate as Estimate),
    );
    const unmeasured = views.find((view) => view.estimate === undefined);
    const exploit = greedy ?? unmeasured ?? fastest(known);
    const reason = greedy
      ? `auto: ${exploit.backend} (${describe(exploit)}${compare(exploit, views)})`
      : unmeasured
        ? `auto: ${exploit.backend} (${(known[0] as CandidateView).backend} over the limits: ${describe(known[0] as CandidateView)}; ${exploit.backend} not measured recently)`
        : `auto: ${exploit.backend} (every backend over the limits; lowest TTFT: ${describe(exploit)})`;
    return { backend: exploit.backend, reason };
  }

  /** The current estimates, for the panel. */
  estimates(): BackendEstimate[] {
    const now = this.options.now();
    return [...this.evidence.entries()].map(([key, evidence]) => {
      const [bucket, backend] = splitKey(key);
      return {
        bucket,
        backend,
        evidence: evidence.e2e.weight(now),
        ttftP50Ms: evidence.ttft.quantile(0.5, now),
        ttftP90Ms: evidence.ttft.quantile(0.9, now),
        e2eP50Ms: evidence.e2e.quantile(0.5, now),
        e2eP90Ms: evidence.e2e.quantile(0.9, now),
        useful: evidence.useful.mean(now),
        failure: evidence.failure.mean(now),
        costUsd: evidence.cost.mean(now) ?? 0,
      };
    });
  }

  private thompson(views: readonly CandidateView[], allowed: readonly CandidateView[], now: number): CandidateView | undefined {
    // Over a limit but its newest answer was within it: it may have recovered, so it may be tried.
    const explorable = views.filter((view) => view.estimate === undefined || allowed.includes(view) || this.recovering(view));
    const knownLatencies = allowed.map((view) => (view.estimate as Estimate).e2eP50Ms);
    // An unknown backend is imagined as fast as the fastest known one: optimism is what makes it tried.
    const optimisticMs = knownLatencies.length > 0 ? Math.min(...knownLatencies) : 0;
    return best(explorable, (view) => {
      const { alpha, beta } = view.evidence.useful.params(now);
      const estimate: Estimate = {
        useful: sampleBeta(alpha, beta, this.options.random),
        failure: view.evidence.failure.mean(now),
        e2eP50Ms: view.estimate?.e2eP50Ms ?? optimisticMs,
        costUsd: view.evidence.cost.mean(now) ?? 0,
      };
      return utility(this.options.objective, estimate);
    });
  }

  private withinLimits(view: CandidateView): boolean {
    const { maxTtftMs, maxCostPerRequest } = this.options.limits;
    // The median, not p90: one slow request in a decaying window must not exclude a backend.
    if (maxTtftMs > 0 && (view.ttftP50Ms ?? 0) > maxTtftMs) return false;
    if (maxCostPerRequest > 0 && (view.estimate?.costUsd ?? 0) > maxCostPerRequest) return false;
    return true;
  }

  private recovering(view: CandidateView): boolean {
    const { maxTtftMs } = this.options.limits;
    const latest = view.evidence.ttft.latest();
    return maxTtftMs > 0 && latest !== undefined && latest <= maxTtftMs && (view.ttftP50Ms ?? 0) > maxTtftMs;
  }

  private mayExplore(): boolean {
    return this.explored + 1 <= this.options.explorationRate * (this.recentDecisions.length + 1);
  }

  private decided(explored: 0 | 1): void {
    this.recentDecisions.push(explored);
    this.explored += explored;
    if (this.recentDecisions.length > EXPLORATION_WINDOW) this.explored -= this.recentDecisions.shift() ?? 0;
  }

  /** `create` false: a backend without evidence is read as a fresh one, not stored (peek). */
  private view(bucket: string, backend: BackendId, now: number, create = true): CandidateView {
    const evidence = create
      ? this.of(bucket, backend)
      : (this.evidence.get(`${bucket}\u0000${backend}`) ?? new BackendEvidence(this.options.halfLifeMs, this.options.usefulHalfLifeMs));
    const e2eP50Ms = evidence.e2e.quantile(0.5, now);
    const fresh = now - (evidence.e2e.lastAt() ?? Number.NEGATIVE_INFINITY) <= this.options.halfLifeMs;
    const known = fresh && evidence.e2e.weight(now) >= MIN_EVIDENCE && e2eP50Ms !== undefined;
    return {
      backend,
      evidence,
      at: now,
      ttftP50Ms: evidence.ttft.quantile(0.5, now),
      ttftP90Ms: evidence.ttft.quantile(0.9, now),
      estimate: known
        ? { useful: evidence.useful.mean(now), failure: evidence.failure.mean(now), e2eP50Ms, costUsd: evidence.cost.mean(now) ?? 0 }
        : undefined,
    };
  }

  private of(bucket: string, backend: BackendId): BackendEvidence {
    const key = `${bucket}\u0000${backend}`;
    let evidence = this.evidence.get(key);
    if (!evidence) {
      evidence = new BackendEvidence(this.options.halfLifeMs, this.options.usefulHalfLifeMs);
      this.evidence.set(key, evidence);
      const prior = this.priors?.get(bucket.slice(bucket.lastIndexOf('/') + 1))?.get(backend);
      if (prior) this.warmStart(bucket, backend, prior);
    }
    return evidence;
  }
}

interface CandidateView {
  backend: BackendId;
  evidence: BackendEvidence;
  /** When the view was taken (evidence is read at this time). */
  at: number;
  ttftP50Ms?: number;
  ttftP90Ms?: number;
  /** Undefined while the backend's latency is unknown in this bucket. */
  estimate?: Estimate;
}

function best<T>(items: readonly T[], score: (item: T) => number): T | undefined {
  let winner: T | undefined;
  let top = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const value = score(item);
    if (value > top) {
      top = value;
      winner = item;
    }
  }
  return winner;
}

function fastest(views: readonly CandidateView[]): CandidateView {
  return best(views, (view) => -(view.ttftP50Ms ?? Number.POSITIVE_INFINITY)) as CandidateView;
}

function describe(view: CandidateView): string {
  if (!view.estimate) return `${view.backend} not measured recently`;
  const { e2eP50Ms, useful, failure } = view.estimate;
  const ttft = view.ttftP50Ms === undefined ? '' : `, p50 TTFT ${Math.round(view.ttftP50Ms)} ms`;
  const failures = failure >= 0.05 ? `, failing ${pct(failure)}` : '';
  // Before any verdict the belief is the prior's 50 %: say "no verdicts" rather than a made-up rate.
  const verdicts = view.evidence.useful.weight(view.at) > 0 ? `useful ${pct(useful)}` : 'no verdicts yet';
  return `p50 E2E ${Math.round(e2eP50Ms)} ms${ttft}, ${verdicts}${failures}`;
}

function compare(chosen: CandidateView, views: readonly CandidateView[]): string {
  const others = views.filter((view) => view !== chosen);
  return others.map((view) => `; ${view.backend}: ${describe(view)}`).join('');
}

const pct = (value: number): string => `${Math.round(value * 100)} %`;

function splitKey(key: string): [string, BackendId] {
  const at = key.lastIndexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1) as BackendId];
}
