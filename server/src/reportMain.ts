/**
 * `tandem report`: the per-backend summary of a metrics database — the one VS Code's server
 * writes (`<globalStorage>/metrics.db`) or a CLI run's — as a table, JSON, or Prometheus text.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from './config';
import { formatSummary } from './demo/summary';
import { silentLogger } from './logger';
import { openMetricsRecorder } from './metrics/openMetricsRecorder';
import { renderPrometheus } from './metrics/prometheus';

export async function reportMain(argv: string[]): Promise<number> {
  const dbIndex = argv.indexOf('--db');
  const db = dbIndex >= 0 ? argv[dbIndex + 1] : join(process.env.TANDEM_HOME || join(homedir(), '.tandem'), 'metrics.db');
  if (!db || !existsSync(db)) {
    console.error(`No metrics database at ${db ?? '(missing --db value)'}; pass --db <path to metrics.db>.`);
    return 1;
  }
  const recorder = openMetricsRecorder({
    dbPath: db,
    config: { ...DEFAULT_CONFIG.metrics, pricePerMillionTokens: DEFAULT_CONFIG.offload.pricePerMillionTokens },
    cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
    log: silentLogger,
  });
  try {
    const snapshot = recorder.snapshot({ recent: argv.includes('--json') ? 100000 : 0 });
    if (argv.includes('--prometheus')) process.stdout.write(renderPrometheus(snapshot));
    else if (argv.includes('--json')) console.log(JSON.stringify(snapshot, null, 2));
    else console.log(formatSummary(snapshot).replace(/\n\ncache:.*$/s, ''));
    return 0;
  } finally {
    recorder.close();
  }
}
