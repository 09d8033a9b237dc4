/**
 * `tandem report`: the per-backend summary of a metrics database — the one VS Code's server
 * writes (`<globalStorage>/metrics.db`) or a CLI run's — as a table, JSON, Prometheus text, or
 * (`--html FILE`) the performance panel as a self-contained HTML file.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from './config';
import { formatSummary } from './demo/summary';
import { silentLogger } from './logger';
import { costBasisOf } from './metrics/cost';
import { openReadOnlyRecorder } from './metrics/openReadOnlyRecorder';
import { withOtelAttributes } from './metrics/otelAttributes';
import { renderPrometheus } from './metrics/prometheus';
import { writeHtmlReport } from './report/writeHtmlReport';

export async function reportMain(argv: string[]): Promise<number> {
  const dbIndex = argv.indexOf('--db');
  const db = dbIndex >= 0 ? argv[dbIndex + 1] : join(process.env.TANDEM_HOME || join(homedir(), '.tandem'), 'metrics.db');
  if (!db || !existsSync(db)) {
    console.error(`No metrics database at ${db ?? '(missing --db value)'}; pass --db <path to metrics.db>.`);
    return 1;
  }
  const htmlIndex = argv.indexOf('--html');
  const htmlFile = htmlIndex >= 0 ? argv[htmlIndex + 1] : undefined;
  if (htmlIndex >= 0 && (!htmlFile || htmlFile.startsWith('--'))) {
    console.error('Pass the file to write: --html <report.html>.');
    return 1;
  }
  // A report covers every retained row, not the panel's default window.
  const window = { sinceMs: 0 };
  let recorder;
  try {
    // Read-only: a report never prunes, migrates or otherwise changes the user's database; whether
    // acceptance is over displayed completions comes from the rows (openReadOnlyRecorder.ts).
    recorder = openReadOnlyRecorder({
      dbPath: db,
      // Rows carry the cost they were priced with; nothing is recorded, so nothing is priced here.
      config: { ...DEFAULT_CONFIG.metrics, cost: costBasisOf(DEFAULT_CONFIG) },
      window,
      log: silentLogger,
    });
  } catch (error) {
    console.error(`Cannot read the metrics database ${db}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    if (htmlFile) {
      // The performance panel as one self-contained file (server/src/report/html.ts).
      const written = writeHtmlReport({ recorder, dbPath: db, outFile: htmlFile, window });
      console.error(`Wrote ${htmlFile}: ${written.rows} requests, ${Math.round(written.bytes / 1024)} KB.`);
      return 0;
    }
    if (argv.includes('--prometheus')) {
      // The live endpoint's families, fed with the database's rows (metrics/promRegistry.ts).
      process.stdout.write(await renderPrometheus(recorder.rows(window)));
      return 0;
    }
    const snapshot = recorder.snapshot({ ...window, recent: argv.includes('--json') ? 100000 : 0 });
    if (argv.includes('--json')) console.log(JSON.stringify({ ...snapshot, recent: withOtelAttributes(snapshot.recent) }, null, 2));
    else console.log(formatSummary(snapshot).replace(/\n\ncache:.*$/s, ''));
    return 0;
  } finally {
    recorder.close();
  }
}
