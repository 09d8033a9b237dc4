import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateByBackend } from '../../server/src/metrics/aggregates';
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderPrometheus,
} from '../../server/src/metrics/prometheus';
import { requestRow } from '../support/requestRow';

const backends = aggregateByBackend(
  [
    requestRow({ backend: 'local', model: 'bundled', ttftMs: 40, e2eMs: 100 }),
    requestRow({ backend: 'local', model: 'bundled', ttftMs: 60, e2eMs: 300 }),
    requestRow({ backend: 'offload', model: 'team "big"\\model\nv2', outcome: 'error', ttftMs: null, e2eMs: null }),
  ],
  { pricePerMillionTokens: 1 },
);
const text = renderPrometheus({ backends, cache: { l1Hits: 3, l2Hits: 2, typingHits: 1, misses: 7 } });
const lines = text.trimEnd().split('\n');

/** Exposition format 0.0.4 sample line: name, optional labels, value. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\\\|\\"|\\n|[^"\\\n])*",?)*\})? (NaN|[+-]Inf|-?[0-9.]+(e[+-]?[0-9]+)?)$/;

function valueOf(prefix: string): string | undefined {
  return lines.find((line) => line.startsWith(`${prefix} `))?.split(' ').at(-1);
}

describe('renderPrometheus', () => {
  it('writes only HELP, TYPE and well-formed sample lines, ending with a newline', () => {
    assert.ok(text.endsWith('\n'));
    for (const line of lines) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      assert.match(line, SAMPLE);
    }
  });

  it('keeps each family together under one HELP and one TYPE', () => {
    const typed = lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    assert.equal(new Set(typed).size, typed.length);
    let current = '';
    const seen = new Set<string>();
    for (const line of lines) {
      if (line.startsWith('# TYPE ')) {
        current = line.split(' ')[2] ?? '';
        assert.ok(!seen.has(current));
        seen.add(current);
      } else if (!line.startsWith('#')) {
        const name = line.split(/[{ ]/)[0] ?? '';
        assert.ok(name === current || name === `${current}_sum` || name === `${current}_count`, line);
      }
    }
  });

  it('exports counters per backend and model, escaping label values', () => {
    assert.equal(valueOf('tandem_requests_total{backend="local",model="bundled"}'), '2');
    assert.equal(
      valueOf('tandem_request_errors_total{backend="offload",model="team \\"big\\"\\\\model\\nv2"}'),
      '1',
    );
    assert.ok(lines.includes('# TYPE tandem_requests_total counter'));
    assert.ok(lines.includes('# TYPE tandem_acceptance_ratio gauge'));
  });

  it('exports latency summaries in seconds with quantile labels, sum and count', () => {
    const labels = 'backend="local",model="bundled"';
    assert.ok(lines.includes('# TYPE tandem_time_to_first_token_seconds summary'));
    assert.equal(valueOf(`tandem_time_to_first_token_seconds{${labels},quantile="0.5"}`), '0.05');
    assert.equal(valueOf(`tandem_request_duration_seconds{${labels},quantile="0.5"}`), '0.2');
    assert.equal(valueOf(`tandem_request_duration_seconds_sum{${labels}}`), '0.4');
    assert.equal(valueOf(`tandem_request_duration_seconds_count{${labels}}`), '2');
    for (const quantile of ['0.5', '0.9', '0.95', '0.99']) {
      assert.ok(valueOf(`tandem_tokens_per_second{${labels},quantile="${quantile}"}`));
    }
  });

  it('writes NaN quantiles for a backend with no successful generation', () => {
    const offloadLabels = lines.filter(
      (line) => line.startsWith('tandem_time_to_first_token_seconds{backend="offload"') && line.includes('quantile'),
    );
    assert.equal(offloadLabels.length, 4);
    for (const line of offloadLabels) assert.ok(line.endsWith(' NaN'), line);
  });

  it('exports cache lookups by result', () => {
    assert.equal(valueOf('tandem_cache_lookups_total{result="l1"}'), '3');
    assert.equal(valueOf('tandem_cache_lookups_total{result="typing"}'), '1');
    assert.equal(valueOf('tandem_cache_lookups_total{result="miss"}'), '7');
  });

  it('escapes and formats the way the format requires', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(1.5e-7), '1.5e-7');
  });

  it('still writes the cache family when there is no backend yet', () => {
    const empty = renderPrometheus({ backends: [], cache: { l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 } });
    assert.match(empty, /^tandem_cache_lookups_total\{result="miss"\} 0$/m);
  });
});
