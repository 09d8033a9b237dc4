/**
 * `tandem bench [--quick] [--scenario NAME]... [--backend local|offload]... [--out DIR]`
 * `tandem bench --compare A.json B.json [--threshold PCT]`
 * Writes <out>/report.json and <out>/report.html, records the run in the bench database and
 * prints the executive summary.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeConfig } from '../../config';
import { OFFLOAD_API_KEY_ENV, type BackendId } from '../../protocol';
import { storeRun } from './benchDb';
import { compareReports, DEFAULT_COMPARE, formatComparisons } from './compare';
import { FULL_PLANS, QUICK_PLANS } from './plans';
import { lineProgress, terminalProgress } from './progress';
import { renderReportHtml } from './reportHtml';
import { reportProblems } from './reportSchema';
import { SCENARIOS, type BenchReport, type ScenarioName } from './reportTypes';
import { runBench } from './runBench';

const USAGE = `Usage: tandem bench [options]            (npm run bench -- [options])
  --quick                  a small subset of every scenario (minutes, not an hour)
  --scenario NAME          latency, throughput, memory, stress, cache, quality, cost, engines
                           (repeatable or a comma list; default all)
  --backend ID             local, offload (repeatable; default local, plus offload when
                           TANDEM_OFFLOAD_URL is set; TANDEM_OFFLOAD_MODEL, ${OFFLOAD_API_KEY_ENV})
  --out DIR                report folder (default reports/bench/<timestamp>)
  --db FILE                SQLite file the run is added to (default reports/bench/bench.db)
  --slo-ttft-ms N          goodput SLO on TTFT (default 300)
  --slo-e2e-ms N           goodput SLO on E2E (default 2000)
  --acceptance-rate R      accepted chars = output chars × R, for cost per accepted char (default 0.3)
  --seed N                 Poisson arrivals and bootstrap seed (default 1234)
  --settings JSON          Tandem settings merged over the defaults (model, dtype, threads, prices)
  --fixtures DIR           held-out sources prompts are cut from (default test/fixtures/heldout)
  --progress-lines         progress as "progress <phase> <done>/<planned>" lines on stderr (for programs)
  --compare A.json B.json  B against A with bootstrap intervals; exit 1 on a regression
  --threshold PCT          --compare: smallest shift flagged (default ${DEFAULT_COMPARE.thresholdPct})
  Other benchmarks: tandem bench overhead | kv-reuse | line-ends`;

export async function benchMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        scenario: { type: 'string', multiple: true },
        backend: { type: 'string', multiple: true },
        out: { type: 'string' },
        db: { type: 'string' },
        'slo-ttft-ms': { type: 'string', default: '300' },
        'slo-e2e-ms': { type: 'string', default: '2000' },
        'acceptance-rate': { type: 'string', default: '0.3' },
        seed: { type: 'string', default: '1234' },
        settings: { type: 'string', default: '{}' },
        fixtures: { type: 'string' },
        'progress-lines': { type: 'boolean', default: false },
        compare: { type: 'string' },
        threshold: { type: 'string', default: String(DEFAULT_COMPARE.thresholdPct) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (values.compare !== undefined) return compareMain(values.compare, positionals[0], Number(values.threshold));
    if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`);
    return await runMain(values);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

class UsageError extends Error {}

interface RunFlags {
  quick: boolean;
  scenario?: string[];
  backend?: string[];
  out?: string;
  db?: string;
  'slo-ttft-ms': string;
  'slo-e2e-ms': string;
  'acceptance-rate': string;
  seed: string;
  settings: string;
  fixtures?: string;
  'progress-lines': boolean;
}

async function runMain(values: RunFlags): Promise<number> {
  const scenarios = listOf(values.scenario, SCENARIOS) as ScenarioName[];
  const url = process.env.TANDEM_OFFLOAD_URL ?? '';
  const backends = listOf(values.backend ?? (url ? ['local', 'offload'] : ['local']), ['local', 'offload']) as BackendId[];
  const slo = { ttftMs: positive('slo-ttft-ms', values['slo-ttft-ms']), e2eMs: positive('slo-e2e-ms', values['slo-e2e-ms']) };
  const acceptanceRate = Number(values['acceptance-rate']);
  if (!(acceptanceRate > 0 && acceptanceRate <= 1)) throw new UsageError('--acceptance-rate must be in (0, 1].');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer.');
  let extra: Record<string, Record<string, unknown>>;
  try {
    extra = JSON.parse(values.settings) as Record<string, Record<string, unknown>>;
  } catch {
    throw new UsageError('--settings must be JSON, e.g. \'{"local":{"dtype":"fp32"}}\'.');
  }
  const { config, warnings } = mergeConfig({
    ...extra,
    offload: {
      timeoutMs: 60_000,
      maxRetries: 0,
      ...extra.offload,
      ...(url ? { url } : {}),
      ...(process.env.TANDEM_OFFLOAD_MODEL ? { model: process.env.TANDEM_OFFLOAD_MODEL } : {}),
    },
  });
  for (const warning of warnings) console.error(warning);

  const outDir = resolve(values.out ?? join('reports', 'bench', new Date().toISOString().replace(/[:.]/g, '-')));
  const dbPath = resolve(values.db ?? join('reports', 'bench', 'bench.db'));
  const apiKey = process.env[OFFLOAD_API_KEY_ENV];
  const report = await runBench({
    quick: values.quick,
    scenarios,
    backends,
    plans: values.quick ? QUICK_PLANS : FULL_PLANS,
    slo,
    seed,
    acceptanceRate,
    config,
    ...(apiKey ? { apiKey } : {}),
    ...(values.fixtures ? { fixturesDir: resolve(values.fixtures) } : {}),
    progress: values['progress-lines'] ? lineProgress() : terminalProgress(),
  });
  writeReports(report, outDir);
  storeRun(dbPath, report, outDir);
  console.log(formatSummary(report));
  console.log(`\nWrote ${join(outDir, 'report.json')} and report.html; run ${report.runId} added to ${dbPath}`);
  return report.backends.some((b) => b.errors.length > 0) ? 1 : 0;
}

export function writeReports(report: BenchReport, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'report.html'), renderReportHtml(report));
}

function compareMain(aPath: string, bPath: string | undefined, thresholdPct: number): number {
  if (!bPath) throw new UsageError('--compare needs two reports: --compare A.json B.json');
  if (!(thresholdPct >= 0)) throw new UsageError('--threshold must be a non-negative number.');
  const [a, b] = [aPath, bPath].map(readReport) as [BenchReport, BenchReport];
  const options = { ...DEFAULT_COMPARE, thresholdPct };
  const comparisons = compareReports(a, b, options);
  console.log(formatComparisons(comparisons, options));
  return comparisons.some((c) => c.verdict === 'regression') ? 1 : 0;
}

function readReport(path: string): BenchReport {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const problems = reportProblems(parsed);
  if (problems.length > 0) throw new Error(`${path} is not a tandem bench report (schema v1):\n  ${problems.slice(0, 5).join('\n  ')}`);
  return parsed as BenchReport;
}

export function formatSummary(report: BenchReport): string {
  const cell = (v: number | null, unit: string) => (v === null ? '—' : unit === 'USD' ? v.toPrecision(3) : v.toFixed(1));
  const lines = report.summary.map(
    (row) =>
      `  ${`${row.metric} (${row.unit})`.padEnd(52)} ${cell(row.local, row.unit).padStart(12)} ${cell(row.offload, row.unit).padStart(12)}`,
  );
  const errors = report.backends.flatMap((b) => b.errors.map((e) => `  ${b.id}: ${e}`));
  return [
    `  ${'Metric'.padEnd(52)} ${'Local'.padStart(12)} ${'Offload'.padStart(12)}`,
    ...lines,
    ...(errors.length ? ['Errors:', ...errors] : []),
  ].join('\n');
}

function listOf(raw: readonly string[] | undefined, allowed: readonly string[]): string[] {
  if (!raw) return [...allowed];
  const items = [
    ...new Set(
      raw
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
  for (const item of items) if (!allowed.includes(item)) throw new UsageError(`"${item}" is not one of ${allowed.join(', ')}.`);
  // Keep the canonical order (latency before cost, local before offload).
  return allowed.filter((item) => items.includes(item));
}

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (!(value > 0)) throw new UsageError(`--${flag} must be a positive number.`);
  return value;
}
