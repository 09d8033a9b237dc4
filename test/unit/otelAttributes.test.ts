import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otelAttributes, withOtelAttributes } from '../../server/src/metrics/otelAttributes';
import { cancelledBeforeRoutingRow, requestRow } from '../support/requestRow';

describe('OpenTelemetry GenAI attributes of a request row', () => {
  it('names an offload completion with the semconv keys, times in seconds', () => {
    const row = requestRow({
      backend: 'offload',
      model: 'qwen2.5-coder-7b',
      promptTokens: 812,
      completionTokens: 17,
      ttftMs: 85,
      tpotMs: 12.5,
      e2eMs: 285,
    });
    assert.deepEqual(otelAttributes(row), {
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.provider.name': 'tandem.offload',
      'gen_ai.request.model': 'qwen2.5-coder-7b',
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.server.time_to_first_token': 0.085,
      'gen_ai.server.time_per_output_token': 0.0125,
      'gen_ai.server.request.duration': 0.285,
    });
  });

  it('an explanation is a chat operation; an error carries error.type', () => {
    const row = requestRow({
      task: 'explain',
      outcome: 'error',
      errorClass: 'TimeoutError',
      ttftMs: null,
      e2eMs: null,
      completionTokens: null,
    });
    const attributes = otelAttributes(row);
    assert.equal(attributes['gen_ai.operation.name'], 'chat');
    assert.equal(attributes['error.type'], 'TimeoutError');
    assert.ok(!('gen_ai.server.time_to_first_token' in attributes));
    assert.ok(!('gen_ai.usage.output_tokens' in attributes));
  });

  it('leaves out what a request cancelled before routing does not have, and a cache hit timing', () => {
    const cancelled = otelAttributes(cancelledBeforeRoutingRow());
    assert.deepEqual(cancelled, { 'gen_ai.operation.name': 'text_completion' });
    const hit = otelAttributes(requestRow({ cacheTier: 'l1', ttftMs: 1, e2eMs: 1 }));
    assert.ok(!('gen_ai.server.request.duration' in hit));
    assert.equal(hit['gen_ai.provider.name'], 'tandem.local');
  });

  it('adds the attributes to every exported row under `otel`, the row unchanged', () => {
    const rows = [requestRow({ id: 'a' }), requestRow({ id: 'b', backend: 'offload' })];
    const exported = withOtelAttributes(rows);
    assert.deepEqual(
      exported.map((row) => row.id),
      ['a', 'b'],
    );
    assert.equal(exported[1]?.otel['gen_ai.provider.name'], 'tandem.offload');
    assert.equal(exported[0]?.ttftMs, rows[0]?.ttftMs);
  });
});
