/**
 * The status's `learned` field: per bucket the estimates and what auto would pick now (a peek),
 * or why auto routing is not in use; bounded because the status is sent after every answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LearnedRouting } from '../../server/src/routing/learned/learnedRouting';
import { OBJECTIVE_PRESETS } from '../../server/src/routing/learned/objective';
import { seededRandom } from '../../server/src/seededRandom';
import { learnedRoutingStatus, MAX_STATUS_BUCKETS } from '../../server/src/status/learnedRoutingStatus';

const AUTO = { policy: 'auto', objective: 'balanced' } as const;

function learned(): LearnedRouting {
  return new LearnedRouting({
    objective: OBJECTIVE_PRESETS.balanced,
    limits: { maxTtftMs: 0, maxCostPerRequest: 0 },
    explorationRate: 0,
    halfLifeMs: 60_000,
    usefulHalfLifeMs: 3_600_000,
    now: () => 0,
    random: seededRandom(1),
  });
}

function measure(routing: LearnedRouting, bucket: string, backend: 'local' | 'offload', ttftMs: number, e2eMs: number, times = 3): void {
  for (let i = 0; i < times; i++) routing.observeAttempt(bucket, backend, { ok: true, ttftMs, e2eMs });
}

describe('learned routing in the server status', () => {
  it('says why auto routing is not in use, with no buckets', () => {
    const routing = learned();
    measure(routing, 'completion/python/single-line/≤256', 'local', 40, 90);
    assert.deepEqual(learnedRoutingStatus(routing, { policy: 'local', objective: 'balanced' }, true), {
      use: 'policy',
      objective: 'balanced',
      buckets: [],
    });
    assert.deepEqual(learnedRoutingStatus(routing, { policy: 'auto', objective: 'fixed' }, true), {
      use: 'objective-fixed',
      objective: 'fixed',
      buckets: [],
    });
    assert.deepEqual(learnedRoutingStatus(routing, AUTO, false), { use: 'no-offload', objective: 'balanced', buckets: [] });
    assert.deepEqual(learnedRoutingStatus(learned(), AUTO, true), { use: 'on', objective: 'balanced', buckets: [] });
  });

  it('lists each bucket with its parts, rounded estimates per backend, and the pick', () => {
    const routing = learned();
    const bucket = 'completion/python/multi-line/≤1024';
    measure(routing, bucket, 'offload', 2100.4, 2600.6);
    measure(routing, bucket, 'local', 40.2, 90.7);
    routing.observeCost(bucket, 'offload', 0.000123456);
    const status = learnedRoutingStatus(routing, AUTO, true);
    assert.equal(status.buckets.length, 1);
    const row = status.buckets[0]!;
    assert.deepEqual(
      { ...row, pickReason: undefined },
      {
        bucket,
        task: 'completion',
        language: 'python',
        shape: 'multi-line',
        promptSize: '≤1024',
        pick: 'local',
        pickReason: undefined,
        learnedPick: true,
        backends: [
          { backend: 'local', evidence: 3, ttftP50Ms: 40, e2eP50Ms: 91, useful: 0.25, failure: 0.0123, costUsd: 0 },
          { backend: 'offload', evidence: 3, ttftP50Ms: 2100, e2eP50Ms: 2601, useful: 0.25, failure: 0.0123, costUsd: 0.000123 },
        ],
      },
    );
    assert.match(row.pickReason, /^auto: local \(p50 E2E 91 ms/);
  });

  it("shows the fixed rule's backend while that one is not measured in the bucket", () => {
    const routing = learned();
    // Single-line: the fixed rule tries local first; only offload has been measured.
    measure(routing, 'completion/go/single-line/≤256', 'offload', 200, 400);
    const row = learnedRoutingStatus(routing, AUTO, true).buckets[0]!;
    assert.equal(row.pick, 'local');
    assert.equal(row.learnedPick, false);
    assert.equal(row.pickReason, 'fixed rule: local (local not measured recently in this bucket)');
    assert.deepEqual(
      row.backends.map((estimate) => estimate.backend),
      ['offload'],
      'the peek stored no empty local evidence',
    );
  });

  it(`keeps the ${MAX_STATUS_BUCKETS} buckets with the most evidence`, () => {
    const routing = learned();
    for (let i = 0; i < MAX_STATUS_BUCKETS + 6; i++)
      measure(routing, `explain/lang${String(i).padStart(2, '0')}/explain/≤256`, 'offload', 300, 900, 1 + (i % 4));
    const buckets = learnedRoutingStatus(routing, AUTO, true).buckets;
    assert.equal(buckets.length, MAX_STATUS_BUCKETS);
    const evidence = buckets.map((bucket) => bucket.backends[0]!.evidence);
    assert.deepEqual(
      evidence,
      [...evidence].sort((a, b) => b - a),
    );
    // 7 buckets of 4 requests, 7 of 3, 8 of 2 and 8 of 1: all but 6 of the single-request ones kept.
    assert.deepEqual(
      [4, 3, 2, 1].map((n) => evidence.filter((value) => value === n).length),
      [7, 7, 8, 2],
    );
  });
});
