/** The recorder's settings as the server builds them from the defaults; tests override what they check. */
import { DEFAULT_CONFIG } from '../../server/src/config';
import { costBasisOf } from '../../server/src/metrics/cost';
import type { MetricsConfig } from '../../server/src/metrics/recorder';

export function testMetricsConfig(overrides: Partial<MetricsConfig> = {}): MetricsConfig {
  return { ...DEFAULT_CONFIG.metrics, cost: costBasisOf(DEFAULT_CONFIG), showEvents: false, ...overrides };
}
