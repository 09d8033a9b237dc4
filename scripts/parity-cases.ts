/**
 * Writes the shared parity cases in test/fixtures/parity/: inputs, and the outputs the TypeScript
 * originals compute for them. The training code's Python mirrors of these functions
 * (models/training/metrics.py, context_cache.py) are checked against the same files by
 * models/training/tests/test_parity.py, and test/unit/parity.test.ts fails when the TypeScript
 * no longer computes what a file says, so a change on one side cannot leave the other behind:
 * after changing textMetrics.ts or contextCache.ts, run this script, then `npm run test:python`.
 *
 *   node --import tsx scripts/parity-cases.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARITY_DIR, contextCacheCases, textMetricsCases } from '../test/support/parityCases';

/** Invisible characters (BOM, NEL, no-break space) escaped, so the file shows what a case holds. */
const visibleJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\p{Cc}\p{Cf}\p{Z}]/gu, (c) => (c === ' ' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

/** Top-level keys on their own lines, and each element of a top-level array (one case) on one line. */
function oneCasePerLine(content: Record<string, unknown>): string {
  const entries = Object.entries(content).map(([key, value]) => {
    const text = Array.isArray(value) ? `[\n${value.map((item) => `  ${visibleJson(item)}`).join(',\n')}\n ]` : visibleJson(value);
    return ` ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${entries.join(',\n')}\n}\n`;
}

mkdirSync(PARITY_DIR, { recursive: true });
for (const [name, content] of [
  ['text-metrics.json', textMetricsCases()],
  ['context-cache.json', contextCacheCases()],
] as const) {
  const path = join(PARITY_DIR, name);
  writeFileSync(path, oneCasePerLine(content));
  console.log(`wrote ${path}`);
}
