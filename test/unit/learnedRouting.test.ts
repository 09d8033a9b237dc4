/**
 * Learned auto routing in simulation (issue 15): scripted backends, a simulated user, simulated
 * time. Figures printed by `node --import tsx test/unit/learnedRouting.test.ts` go into the
 * closing note.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf, promptBucket } from '../../server/src/routing/learned/buckets';
import { DecayedBeta, DecayedSamples } from '../../server/src/routing/learned/decayed';
import { OBJECTIVE_PRESETS, utility } from '../../server/src/routing/learned/objective';
import { sampleBeta } from '../../server/src/routing/learned/betaSample';
import { seededRandom } from '../../server/src/seededRandom';
import { LearnedRouting } from '../../server/src/routing/learned/learnedRouting';
import { LearnedRoutingFeed, usefulness } from '../../server/src/routing/learned/profileFeed';
import { priorsFromBenchReport } from '../../server/src/routing/learned/warmStart';
import { requestRow } from '../support/requestRow';
import { learnedRoutingForTest, settledAt, share, simulate, type ScriptedBackend } from './learnedRoutingSimulation';

const FAST_RARELY_ACCEPTED: ScriptedBackend = { ttftMs: 40, e2eMs: 90, acceptRate: 0.05 };
const SLOW_OFTEN_ACCEPTED: ScriptedBackend = { ttftMs: 250, e2eMs: 600, acceptRate: 0.45 };
const STALLED: ScriptedBackend = { ttftMs: 3000, e2eMs: 3400, acceptRate: 0.45 };

describe('learned routing: pieces', () => {
  it('buckets by task, language, shape and prompt length', () => {
    assert.equal(
      bucketOf({ task: 'completion', language: 'python', multiline: false, promptChars: 400 }),
      'completion/python/single-line/≤256',
    );
    assert.equal(bucketOf({ task: 'explain', language: 'go', multiline: true, promptChars: 4000 }), 'explain/go/explain/≤1024');
    assert.equal(promptBucket(4 * 4096 + 4), '>4096');
    assert.equal(promptBucket(undefined), '≤256');
  });

  it('a decayed Beta halves its evidence every half-life, towards the Beta(1, 1) prior', () => {
    const belief = new DecayedBeta(1000);
    for (let i = 0; i < 8; i++) belief.observe(1, 0);
    assert.deepEqual(belief.params(0), { alpha: 9, beta: 1 });
    assert.deepEqual(belief.params(1000), { alpha: 5, beta: 1 });
    assert.equal(belief.weight(2000), 2);
    belief.observe(0.5, 2000);
    assert.deepEqual(belief.params(2000), { alpha: 3.5, beta: 1.5 });
  });

  it('decayed samples: weighted quantiles favour recent samples', () => {
    const samples = new DecayedSamples(1000);
    samples.observe(100, 0);
    samples.observe(100, 0);
    samples.observe(900, 3000);
    // At t=3000 the two old samples weigh 1/8 each, the new one 1: the median is the new one.
    assert.equal(samples.quantile(0.5, 3000), 900);
    assert.equal(samples.quantile(0.1, 3000), 100);
    assert.equal(samples.weight(3000), 1.25);
  });

  it('Beta samples have the right mean', () => {
    const random = seededRandom(3);
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += sampleBeta(2, 6, random);
    assert.ok(Math.abs(sum / 4000 - 0.25) < 0.01, `mean ${sum / 4000}`);
  });

  it('utility is the documented formula', () => {
    const value = utility(OBJECTIVE_PRESETS.balanced, { useful: 0.4, failure: 0.1, e2eP50Ms: 600, costUsd: 0.001 });
    assert.equal(Number(value.toFixed(6)), Number((0.4 * 0.9 - 0.3 - 0.1 - 0.1).toFixed(6)));
  });
});

describe('learned routing: simulations', () => {
  it('balanced: converges to the slow, often accepted offload for multi-line', () => {
    const run = simulate(() => ({ local: FAST_RARELY_ACCEPTED, offload: SLOW_OFTEN_ACCEPTED }), 300);
    assert.ok(share(run.choices, 'offload', 200) >= 0.9, `offload share ${share(run.choices, 'offload', 200)}`);
    assert.match(run.reasons.at(-1) ?? '', /auto: offload \(p50 E2E 600 ms/);
  });

  it('fast: converges to the fast local model even though offload is accepted more often', (t) => {
    const run = simulate(() => ({ local: FAST_RARELY_ACCEPTED, offload: SLOW_OFTEN_ACCEPTED }), 300, { objective: OBJECTIVE_PRESETS.fast });
    // Local starts unmeasured (the fixed rule sends multi-line to offload): it is first tried
    // when the 5 % exploration budget allows, after request 20.
    const converged = settledAt(run.choices, 'local', 0, 20);
    t.diagnostic(`settled on local from request ${converged}`);
    assert.ok(converged !== undefined && converged <= 100, `settled on local at request ${converged}`);
    assert.ok(share(run.choices, 'local', 200) >= 0.9);
  });

  it('switches to local within 5 requests of offload stalling past maxTtftMs, and back after it recovers', (t) => {
    const script = (step: number) => ({
      local: FAST_RARELY_ACCEPTED,
      offload: step >= 150 && step < 300 ? STALLED : SLOW_OFTEN_ACCEPTED,
    });
    const run = simulate(script, 600);
    assert.ok(share(run.choices, 'offload', 100, 150) >= 0.9);
    const away = settledAt(run.choices, 'local', 150, 10);
    assert.ok(
      away !== undefined && away - 150 <= 5,
      `moved to local ${away === undefined ? 'never' : away - 150} requests after the stall`,
    );
    const back = settledAt(run.choices, 'offload', 300, 10);
    t.diagnostic(
      `to local ${away === undefined ? 'never' : away - 150} requests after the stall; back ${back === undefined ? 'never' : back - 300} after recovery`,
    );
    assert.ok(back !== undefined && back - 300 <= 150, `moved back ${back === undefined ? 'never' : back - 300} requests after recovery`);
    assert.ok(share(run.choices, 'offload', 500) >= 0.9);
  });

  it('explores no more than the configured rate', (t) => {
    for (const rate of [0, 0.02, 0.1]) {
      const run = simulate(() => ({ local: FAST_RARELY_ACCEPTED, offload: SLOW_OFTEN_ACCEPTED }), 1000, { explorationRate: rate });
      const explored = run.explored.filter(Boolean).length / run.explored.length;
      t.diagnostic(`rate ${rate}: explored ${(explored * 100).toFixed(1)} % of 1000`);
      assert.ok(explored <= rate + 1e-9, `rate ${rate}: explored ${explored}`);
      if (rate > 0) assert.ok(explored > 0, 'exploration happens when allowed');
    }
  });

  it('cheap with a cost cap: a costly offload is not chosen however often it is accepted', () => {
    const costly = { ...SLOW_OFTEN_ACCEPTED, costUsd: 0.01 };
    const run = simulate(() => ({ local: FAST_RARELY_ACCEPTED, offload: costly }), 300, {
      objective: OBJECTIVE_PRESETS.cheap,
      limits: { maxTtftMs: 0, maxCostPerRequest: 0.001 },
    });
    assert.ok(share(run.choices, 'local', 100) >= 0.9);
  });
});

describe('learned routing: verdicts from the metrics rows', () => {
  it('usefulness of a patch: accepted 1, partial by characters, rejected 0, typed out 1, thumbs', () => {
    assert.equal(usefulness({ outcome: 'accepted', acceptedChars: 12 }, 12), 1);
    assert.equal(usefulness({ outcome: 'partial', acceptedChars: 3 }, 12), 0.25);
    assert.equal(usefulness({ outcome: 'partial', acceptedChars: 3 }, undefined), 1);
    assert.equal(usefulness({ outcome: 'rejected' }, 12), 0);
    assert.equal(usefulness({ typedChars: 12 }, 12), 1);
    assert.equal(usefulness({ typedChars: 5 }, 12), undefined, 'typing along is not yet a verdict');
    assert.equal(usefulness({ displayed: 1 }, 12), undefined);
    assert.equal(usefulness({ feedback: 1 }, undefined), 1);
    assert.equal(usefulness({ feedback: -1 }, undefined), 0);
  });

  it('the feed charges cost and verdicts to the backend that answered, once; shadows to their own backend', () => {
    const now = 0;
    const learned = learnedRoutingForTest({
      limits: { maxTtftMs: 0, maxCostPerRequest: 0 },
      explorationRate: 0,
      now: () => now,
      random: seededRandom(1),
    });
    const feed = new LearnedRoutingFeed(() => learned);
    const bucket = 'completion/python/single-line/≤256';
    learned.trackAnswer('a', bucket, 'offload');
    feed.recorded(requestRow({ id: 'a', backend: 'offload', shownChars: 20, costUsd: 0.002 }));
    feed.updated('a', { outcome: 'partial', acceptedChars: 5 });
    feed.updated('a', { outcome: 'accepted', acceptedChars: 20 });
    learned.trackAnswer('s', bucket, 'local');
    feed.recorded(requestRow({ id: 's', backend: 'local', shadowOf: 'a', shadowFirstLineMatch: 0 }));
    const estimates = new Map(learned.estimates().map((estimate) => [estimate.backend, estimate]));
    // Beta(1, 3) prior + one verdict of 0.25: (1 + 0.25) / (4 + 1).
    assert.equal(estimates.get('offload')?.useful, 1.25 / 5);
    assert.equal(estimates.get('offload')?.costUsd, 0.002);
    assert.equal(estimates.get('local')?.useful, 1 / 5);
  });
});

describe('learned routing: peek, the panel\'s "would pick now"', () => {
  const BUCKET = 'completion/python/multi-line/≤1024';
  const RULE = ['offload', 'local'] as const;

  function routing(now: () => number, explorationRate: number): LearnedRouting {
    return learnedRoutingForTest({ explorationRate, now });
  }

  /** Runs `steps` decisions against scripted backends; `beforeEach` runs before each choose. */
  function run(learned: LearnedRouting, clock: { now: number }, steps: number, beforeEach: () => void = () => undefined) {
    const user = seededRandom(7);
    const script = { local: FAST_RARELY_ACCEPTED, offload: SLOW_OFTEN_ACCEPTED };
    const decisions: string[] = [];
    for (let step = 0; step < steps; step++) {
      clock.now += 2000;
      beforeEach();
      const choice = learned.choose(BUCKET, RULE) ?? { backend: RULE[0], explored: false, reason: 'fixed rule' };
      decisions.push(`${choice.backend}: ${choice.reason}`);
      const backend = script[choice.backend];
      learned.observeAttempt(BUCKET, choice.backend, { ok: true, ttftMs: backend.ttftMs, e2eMs: backend.e2eMs });
      learned.trackAnswer(`r${step}`, BUCKET, choice.backend);
      learned.observeVerdict(`r${step}`, user() < backend.acceptRate ? 1 : 0);
    }
    return decisions;
  }

  it('defers to the fixed rule where choose does, and creates no evidence', () => {
    const learned = routing(() => 0, 0);
    assert.equal(learned.peek(BUCKET, RULE), undefined, 'nothing measured: the fixed rule decides');
    assert.equal(learned.peek(BUCKET, ['local']), undefined, 'one candidate: nothing to choose');
    assert.deepEqual(learned.estimates(), [], 'peeking stored no empty evidence for the panel to list');
  });

  it('names the backend and reason choose gives when it does not explore', () => {
    const clock = { now: 0 };
    const learned = routing(() => clock.now, 0);
    const peeks: (string | undefined)[] = [];
    const decisions = run(learned, clock, 60, () => {
      const peeked = learned.peek(BUCKET, RULE);
      peeks.push(peeked && `${peeked.backend}: ${peeked.reason}`);
    });
    // With exploration off, choose right after a peek is the exploitation peek claims to show.
    const answered = peeks.flatMap((peeked, step) => (peeked === undefined ? [] : [[peeked, decisions[step]]]));
    assert.ok(answered.length > 50, `peek answered once the fixed rule's backend was measured (${answered.length})`);
    for (const [peeked, decided] of answered) assert.equal(peeked, decided);
    assert.match(peeks.at(-1) ?? '', /^offload: auto: offload \(p50 E2E 600 ms/, 'balanced prefers the slow, often accepted offload');
  });

  it('counts no decision and draws no random number: choose runs the same with or without peeks', () => {
    const plainClock = { now: 0 };
    const plain = run(
      routing(() => plainClock.now, 0.05),
      plainClock,
      300,
    );
    const peekedClock = { now: 0 };
    const peekedRouting = routing(() => peekedClock.now, 0.05);
    let peeks = 0;
    const peeked = run(peekedRouting, peekedClock, 300, () => {
      for (let i = 0; i < 3; i++) if (peekedRouting.peek(BUCKET, RULE)) peeks += 1;
    });
    assert.ok(peeks > 0);
    assert.ok(
      plain.some((decision) => decision.includes('(exploring:')),
      'the run explores, so a counted peek would show',
    );
    assert.deepEqual(peeked, plain);
  });
});

describe('learned routing: a new offload endpoint', () => {
  it('forget drops every estimate and tracked answer of that backend only', () => {
    const run = simulate(() => ({ local: FAST_RARELY_ACCEPTED, offload: SLOW_OFTEN_ACCEPTED }), 60);
    const router = run.router;
    router.trackAnswer('x', 'completion/python/multi-line/≤1024', 'offload');
    router.forget('offload');
    assert.deepEqual(new Set(router.estimates().map((estimate) => estimate.backend)), new Set(['local']));
    assert.equal(router.bucketOfAnswer('x'), undefined);
    // Offload is unmeasured again: the fixed rule (offload first for multi-line) decides.
    assert.equal(router.choose('completion/python/multi-line/≤1024', ['offload', 'local']), undefined);
  });
});

describe('learned routing: warm start from a benchmark report', () => {
  const cell = (promptTokens: number, outputTokens: number, ttft: number, e2e: number) => ({
    promptTokens,
    outputTokens,
    ttftMs: { p50: ttft },
    e2eMs: { p50: e2e },
  });
  const report = {
    schema: 'tandem-bench-report',
    backends: [
      {
        id: 'local',
        latency: { cells: [cell(128, 128, 30, 900), cell(128, 64, 30, 400), cell(512, 64, 90, 500)] },
        quality: { nextLine: { exactMatch: 0.05 } },
      },
      { id: 'offload', latency: { cells: [cell(128, 64, 120, 300)] }, quality: { nextLine: { exactMatch: 0.4 } } },
      { id: 'other', latency: { cells: [cell(128, 64, 1, 1)] } },
    ],
  };

  it('reads TTFT and E2E of the shortest output per prompt bucket, and next-line exact match as usefulness', () => {
    const priors = priorsFromBenchReport(report);
    assert.deepEqual(priors.get('≤256')?.get('local'), { ttftMs: 30, e2eMs: 400, useful: 0.05 });
    assert.deepEqual(priors.get('≤256')?.get('offload'), { ttftMs: 120, e2eMs: 300, useful: 0.4 });
    assert.deepEqual(priors.get('≤1024')?.get('local'), { ttftMs: 90, e2eMs: 500, useful: 0.05 });
    assert.equal(priors.get('≤1024')?.get('offload'), undefined);
    assert.throws(() => priorsFromBenchReport({ schema: 'x' }), /not a tandem-bench-report/);
    assert.throws(() => priorsFromBenchReport({ schema: 'tandem-bench-report', backends: [] }), /no latency cells/);
  });

  it('decides from the first request of a bucket the priors cover', () => {
    const learned = learnedRoutingForTest({ limits: { maxTtftMs: 0, maxCostPerRequest: 0 }, explorationRate: 0, random: seededRandom(1) });
    const bucket = 'completion/go/single-line/≤256';
    // Without priors a single-line bucket starts with the fixed rule (local first, unmeasured).
    assert.equal(learned.choose(bucket, ['local', 'offload']), undefined);
    learned.setPriors(priorsFromBenchReport(report));
    const choice = learned.choose('completion/rust/single-line/≤256', ['local', 'offload']);
    assert.equal(choice?.backend, 'offload');
    assert.match(choice?.reason ?? '', /^auto: offload \(p50 E2E 300 ms/);
  });
});
