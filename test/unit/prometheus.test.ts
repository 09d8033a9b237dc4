/**
 * `tandem report --prometheus` (metrics/prometheus.ts) over hand-written rows, read back with a
 * third-party Prometheus text parser: every sample checked against values computed by hand
 * from the rows and the definitions in promRegistry.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPrometheus } from '../../server/src/metrics/prometheus';
import { LATENCY_BUCKETS_S, TOKEN_GAP_BUCKETS_S } from '../../server/src/metrics/promRegistry';
import type { RequestRow } from '../../server/src/protocol';
import { parseExposition, type Exposition } from '../support/prometheusText';
import { cancelledBeforeRoutingRow, requestRow } from '../support/requestRow';

const WEIRD_MODEL = 'team "big"\\model\nv2';
const itl = (meanMs: number) => ({ count: 4, meanMs, p50Ms: meanMs, p95Ms: meanMs, maxMs: meanMs });

/** Local completions in TypeScript, offload explanations in Python, one cancelled before routing. */
const ROWS: RequestRow[] = [
  requestRow({
    ttftMs: 40,
    e2eMs: 120,
    tpotMs: 20,
    itl: itl(18),
    outcome: 'accepted',
    acceptedChars: 7,
    promptTokens: 100,
    completionTokens: 5,
    costUsd: 0.001,
  }),
  // One output token: no TPOT, no gap.
  requestRow({ ttftMs: 60, e2eMs: 300, outcome: 'rejected', promptTokens: 50, completionTokens: 1, costUsd: 0.002 }),
  // Cache hits: no latency sample, no tokens.
  requestRow({ cacheTier: 'l1', ttftMs: 1, e2eMs: 2, outcome: 'shown', costUsd: 0 }),
  requestRow({ cacheTier: 'typing', ttftMs: 1, e2eMs: 1, outcome: 'partial', acceptedChars: 3, costUsd: 0 }),
  requestRow({
    task: 'explain',
    language: 'python',
    backend: 'offload',
    model: WEIRD_MODEL,
    outcome: 'error',
    errorClass: 'TimeoutError',
    ttftMs: null,
    e2eMs: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: 0.0005,
  }),
  requestRow({
    task: 'explain',
    language: 'python',
    backend: 'offload',
    model: WEIRD_MODEL,
    outcome: 'answered',
    ttftMs: 200,
    e2eMs: 900,
    tpotMs: 10,
    itl: itl(12),
    promptTokens: 400,
    completionTokens: 71,
    costUsd: 0.01,
  }),
  cancelledBeforeRoutingRow({ costUsd: 0 }),
  // A shadow comparison: in no metric.
  requestRow({
    backend: 'offload',
    model: WEIRD_MODEL,
    shadowOf: 'req-x',
    outcome: 'answered',
    ttftMs: 5000,
    e2eMs: 9000,
    promptTokens: 9999,
    completionTokens: 9999,
    costUsd: 5,
  }),
];

const LOCAL = { backend: 'local', model: 'bundled', task: 'completion', language: 'typescript' };
const OFFLOAD = { backend: 'offload', model: WEIRD_MODEL, task: 'explain', language: 'python' };

async function report(rows: readonly RequestRow[]): Promise<{ text: string; parsed: Exposition }> {
  const text = await renderPrometheus(rows);
  return { text, parsed: parseExposition(text) };
}

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

describe('tandem report --prometheus', () => {
  it('writes text a Prometheus parser reads: one HELP and TYPE per family, typed as declared', async () => {
    const { text, parsed } = await report(ROWS);
    assert.ok(text.endsWith('\n'));
    const typed = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => match[1]);
    assert.equal(new Set(typed).size, typed.length, 'each family typed once');
    const expected: Record<string, string> = {
      tandem_time_to_first_token_seconds: 'HISTOGRAM',
      tandem_time_per_output_token_seconds: 'HISTOGRAM',
      tandem_inter_token_latency_seconds: 'HISTOGRAM',
      tandem_e2e_request_latency_seconds: 'HISTOGRAM',
      tandem_requests_total: 'COUNTER',
      tandem_cache_lookups_total: 'COUNTER',
      tandem_completions_accepted_total: 'COUNTER',
      tandem_completions_accepted_chars_total: 'COUNTER',
      tandem_prompt_tokens_total: 'COUNTER',
      tandem_generation_tokens_total: 'COUNTER',
      tandem_cost_usd_total: 'COUNTER',
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(parsed.families.get(name)?.type, type, name);
      assert.ok((parsed.families.get(name)?.help ?? '').length > 10, `${name} has help`);
    }
    assert.ok(!text.includes('tandem_process_'), 'no memory gauges: the report is not the server process');
  });

  it('histograms hold one sample per generated, non-cached request, in seconds', async () => {
    const { parsed } = await report(ROWS);
    const count = (name: string, labels: object) => parsed.value(`${name}_count`, labels as Record<string, string>);
    const sum = (name: string, labels: object) => parsed.value(`${name}_sum`, labels as Record<string, string>);
    assert.equal(count('tandem_time_to_first_token_seconds', LOCAL), 2);
    near(sum('tandem_time_to_first_token_seconds', LOCAL), 0.1, 'local TTFT sum');
    assert.equal(count('tandem_e2e_request_latency_seconds', LOCAL), 2);
    near(sum('tandem_e2e_request_latency_seconds', LOCAL), 0.42, 'local E2E sum');
    assert.equal(count('tandem_time_per_output_token_seconds', LOCAL), 1, 'one output token has no TPOT');
    near(sum('tandem_time_per_output_token_seconds', LOCAL), 0.02, 'local TPOT sum');
    assert.equal(count('tandem_inter_token_latency_seconds', LOCAL), 1);
    near(sum('tandem_inter_token_latency_seconds', LOCAL), 0.018, 'local ITL: the request mean gap');
    assert.equal(count('tandem_time_to_first_token_seconds', OFFLOAD), 1, 'the error has no sample, the shadow row none');
    near(sum('tandem_e2e_request_latency_seconds', OFFLOAD), 0.9, 'offload E2E sum');
    near(sum('tandem_inter_token_latency_seconds', OFFLOAD), 0.012, 'offload ITL');
    assert.equal(count('tandem_e2e_request_latency_seconds', { backend: 'none' }), 0);
  });

  it('histogram buckets are cumulative, inclusive, and +Inf equals the count', async () => {
    const { parsed } = await report(ROWS);
    const bucket = (le: string) => parsed.value('tandem_time_to_first_token_seconds_bucket', { ...LOCAL, le });
    assert.equal(bucket('0.04'), 1, '40 ms falls in le="0.04"');
    assert.equal(bucket('0.05'), 1);
    assert.equal(bucket('0.06'), 2, '60 ms falls in le="0.06"');
    assert.equal(bucket('+Inf'), 2);
    for (const family of [
      'tandem_time_to_first_token_seconds',
      'tandem_e2e_request_latency_seconds',
      'tandem_time_per_output_token_seconds',
    ]) {
      for (const labels of [LOCAL, OFFLOAD]) {
        const buckets = parsed.series(`${family}_bucket`).filter((sample) => sample.labels.backend === labels.backend);
        const values = buckets.map((sample) => sample.value);
        assert.deepEqual(
          values,
          [...values].sort((a, b) => a - b),
          `${family} ${labels.backend} cumulative`,
        );
        assert.equal(buckets.at(-1)?.labels.le, '+Inf');
        assert.equal(values.at(-1), parsed.value(`${family}_count`, labels));
      }
    }
  });

  it('counts requests by server outcome, including those cancelled before routing', async () => {
    const { parsed } = await report(ROWS);
    assert.equal(parsed.value('tandem_requests_total', { ...LOCAL, outcome: 'returned' }), 4, 'shown, accepted, partial and rejected');
    assert.equal(parsed.value('tandem_requests_total', { ...OFFLOAD, outcome: 'error' }), 1);
    assert.equal(parsed.value('tandem_requests_total', { ...OFFLOAD, outcome: 'answered' }), 1, 'the shadow row is not counted');
    assert.equal(parsed.value('tandem_requests_total', { backend: 'none', model: 'none', outcome: 'cancelled' }), 1);
    assert.equal(parsed.value('tandem_requests_total'), ROWS.length - 1);
  });

  it('counts cache hits by tier and misses of the requests a backend was asked for', async () => {
    const { parsed } = await report(ROWS);
    const lookups = (labels: Record<string, string>) => parsed.value('tandem_cache_lookups_total', labels);
    assert.equal(lookups({ ...LOCAL, tier: 'l1', result: 'hit' }), 1);
    assert.equal(lookups({ ...LOCAL, tier: 'typing', result: 'hit' }), 1);
    assert.equal(lookups({ ...LOCAL, tier: 'none', result: 'miss' }), 2);
    assert.equal(lookups({ ...OFFLOAD, tier: 'none', result: 'miss' }), 2);
    assert.equal(lookups({ backend: 'none' }), 0, 'nothing was looked up before routing');
  });

  it('sums tokens of cache misses, accepted completions and characters, and the stored cost', async () => {
    const { parsed } = await report(ROWS);
    assert.equal(parsed.value('tandem_prompt_tokens_total', LOCAL), 150, 'cache hits processed no tokens');
    assert.equal(parsed.value('tandem_generation_tokens_total', LOCAL), 6);
    assert.equal(parsed.value('tandem_prompt_tokens_total', OFFLOAD), 400);
    assert.equal(parsed.value('tandem_generation_tokens_total', OFFLOAD), 71);
    assert.equal(parsed.value('tandem_completions_accepted_total', LOCAL), 2, 'accepted and partial');
    assert.equal(parsed.value('tandem_completions_accepted_chars_total', LOCAL), 10);
    near(parsed.value('tandem_cost_usd_total', LOCAL), 0.003, 'local cost');
    near(parsed.value('tandem_cost_usd_total', OFFLOAD), 0.0105, 'offload cost, no shadow cost');
  });

  it('round-trips label values with quotes, backslashes and newlines', async () => {
    const { parsed } = await report(ROWS);
    const models = new Set(parsed.series('tandem_requests_total').map((sample) => sample.labels.model));
    assert.deepEqual([...models].sort(), ['bundled', 'none', WEIRD_MODEL].sort());
  });

  it('writes every family, with no series, for an empty database', async () => {
    const { parsed } = await report([]);
    assert.equal(parsed.families.get('tandem_requests_total')?.type, 'COUNTER');
    assert.equal(parsed.value('tandem_requests_total'), 0);
  });

  it('has buckets dense between 10 ms and 2 s', () => {
    const dense = LATENCY_BUCKETS_S.filter((bound) => bound >= 0.01 && bound <= 2);
    assert.ok(dense.length >= 15, `${dense.length} latency buckets in [10 ms, 2 s]`);
    assert.ok(TOKEN_GAP_BUCKETS_S.filter((bound) => bound <= 0.1).length >= 10, 'token gaps of a few ms are resolved');
    for (const buckets of [LATENCY_BUCKETS_S, TOKEN_GAP_BUCKETS_S]) {
      assert.deepEqual(
        [...buckets],
        [...buckets].sort((a, b) => a - b),
      );
    }
  });
});
