import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRoute, type PolicyInput } from '../../server/src/routing/policy';
import { ScriptedBackend } from '../support/fakeBackend';

const local = new ScriptedBackend('local', []);
const offload = new ScriptedBackend('offload', []);

function plan(overrides: Partial<PolicyInput>) {
  return planRoute({
    policy: 'auto',
    context: { task: 'completion', multiline: false, language: 'python' },
    local,
    offload,
    usable: () => ({ ok: true }),
    latencyMs: () => undefined,
    budgetMs: 4000,
    ...overrides,
  });
}

const ids = (result: ReturnType<typeof planRoute>) => result.order.map((backend) => backend.id);

describe('routing policy', () => {
  it('auto keeps single-line completions local', () => {
    assert.deepEqual(ids(plan({})), ['local']);
  });

  it('auto sends multi-line completions and explanations to offload with local as fallback', () => {
    assert.deepEqual(ids(plan({ context: { task: 'completion', multiline: true, language: 'ts' } })), ['offload', 'local']);
    const explain = plan({ context: { task: 'explain', multiline: true, language: 'ts' } });
    assert.deepEqual(ids(explain), ['offload', 'local']);
    assert.match(explain.decision, /explain → offload/);
  });

  it('auto stays local when no offload endpoint is configured, and says why', () => {
    const result = plan({ offload: undefined, context: { task: 'explain', multiline: true, language: 'ts' } });
    assert.deepEqual(ids(result), ['local']);
    assert.match(result.decision, /no offload endpoint configured/);
  });

  it('auto avoids an offload backend whose recent latency exceeds the budget', () => {
    const result = plan({
      context: { task: 'completion', multiline: true, language: 'ts' },
      latencyMs: (backend) => (backend.id === 'offload' ? 9000 : 120),
    });
    assert.deepEqual(ids(result), ['local', 'offload']);
    assert.match(result.decision, /9000 ms > budget 4000 ms/);
  });

  it('auto skips an unusable offload backend (breaker open)', () => {
    const result = plan({
      context: { task: 'explain', multiline: true, language: 'py' },
      usable: (backend) => (backend.id === 'offload' ? { ok: false, why: 'breaker open' } : { ok: true }),
    });
    assert.deepEqual(ids(result), ['local']);
    assert.match(result.decision, /breaker open/);
  });

  it('policy local never sends code to offload, even when local is down', () => {
    const result = plan({
      policy: 'local',
      usable: (backend) => (backend.id === 'local' ? { ok: false, why: 'model missing' } : { ok: true }),
    });
    assert.deepEqual(ids(result), []);
    assert.match(result.unavailableReason ?? '', /model missing/);
  });

  it('policy offload tries offload first and falls back to local', () => {
    assert.deepEqual(ids(plan({ policy: 'offload' })), ['offload', 'local']);
    assert.deepEqual(ids(plan({ policy: 'offload', offload: undefined })), ['local']);
  });

  it('reports why nothing can answer', () => {
    const result = plan({ offload: undefined, usable: () => ({ ok: false, why: 'loading failed' }) });
    assert.deepEqual(ids(result), []);
    assert.match(result.unavailableReason ?? '', /loading failed/);
  });
});
