/**
 * `tandem eval-models` / `npm run eval:models`: quality and speed of the local models on the
 * held-out fixtures, through the real LocalBackend path (worker thread, transformers.js,
 * onnxruntime-node), written as JSON and printed as a table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, mergeConfig, type TandemConfig } from '../config';
import { packageRoot } from '../packageRoot';
import { LocalBackend, type LoadedModelInfo } from '../backends/local/localBackend';
import { completionCases, readHeldoutFiles } from './heldout';
import { pythonDocPairs } from './pythonDocPairs';
import { jsDocPairs } from './jsDocPairs';
import { evaluateCompletion, evaluateExplain, type CompletionQuality, type ExplainQuality } from './evalQuality';
import { measureSpeed, type SpeedReport } from './modelSpeed';
import { formatModelEvalReport } from './evalReportFormat';

export { formatModelEvalReport } from './evalReportFormat';

export interface ModelEvalOptions {
  /** Held-out sources: `<dir>/{python,typescript,javascript}/…`. */
  fixturesDir?: string;
  /** Where to write the JSON report (directories are created). */
  outPath?: string;
  local?: Partial<TandemConfig['local']>;
  casesPerFile?: number;
  /** At most this many explanation pairs (spread over all files); default all. */
  explainLimit?: number;
  explainMaxTokens?: number;
  seed?: number;
  skipSpeed?: boolean;
  speedRepeats?: number;
  signal?: AbortSignal;
  /** Progress lines (the CLI sends them to stderr). */
  onProgress?: (line: string) => void;
}

export interface ModelEvalReport {
  generatedAt: string;
  durationMs: number;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  settings: {
    fixturesDir: string;
    casesPerFile: number;
    seed: number;
    dtype: string;
    threads: number;
    contextCache: boolean;
    explainMaxTokens: number;
  };
  models: { completion: LoadedModelInfo | undefined; explain: LoadedModelInfo | undefined };
  /** As the product decodes (with the context cache when `local.contextCache` is on). */
  completion: CompletionQuality;
  /** The model alone, when the context cache is on: what the cache adds. */
  completionWithoutContextCache: CompletionQuality | undefined;
  explain: ExplainQuality;
  speed: SpeedReport | undefined;
  /** Whole process (main thread + model worker), from getrusage. */
  peakRssMb: number;
}

export async function runModelEval(options: ModelEvalOptions = {}): Promise<ModelEvalReport> {
  const started = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  const progress = options.onProgress ?? (() => undefined);
  const local: TandemConfig['local'] = { ...DEFAULT_CONFIG.local, ...options.local };
  const fixturesDir = options.fixturesDir ?? path.join(packageRoot(), 'test', 'fixtures', 'heldout');
  const casesPerFile = options.casesPerFile ?? 20;
  const seed = options.seed ?? 1234;
  const explainMaxTokens = options.explainMaxTokens ?? 64;

  const files = readHeldoutFiles(fixturesDir);
  if (files.length === 0) throw new Error(`No held-out source files under "${fixturesDir}".`);
  // evaluate.py's windows in characters (~3.1 per token): 384 tokens of prefix for next-line,
  // 256 + 128 tokens of prefix + suffix around a FIM hole.
  const cases = completionCases(files, { casesPerFile, seed, prefixChars: 1190, fimPrefixChars: 790, suffixChars: 400 });
  const allPairs = files.flatMap((f) =>
    f.language === 'python' ? pythonDocPairs(f.text, f.name) : jsDocPairs(f.text, f.name, f.language),
  );
  const pairs = spread(allPairs, options.explainLimit ?? allPairs.length);

  // Speed first, so the cold load is the first model load in this process.
  let speed: SpeedReport | undefined;
  if (!options.skipSpeed) {
    progress('Measuring load time, TTFT and decode speed...');
    const corpus =
      files
        .filter((f) => f.language === 'python')
        .map((f) => f.text)
        .join('\n') ||
      (files[0]?.text ?? '');
    speed = await measureSpeed({
      config: local,
      corpus,
      promptLengths: [128, 512],
      repeats: options.speedRepeats ?? 5,
      decodeTokens: 64,
      signal,
    });
  }

  const backend = new LocalBackend({ config: local });
  try {
    // Load first: a broken model fails here with its ModelLoadError, before any case runs.
    await backend.load('completion', signal);
    await backend.load('explain', signal);
    progress(`Completion: ${cases.length} next-line + ${cases.length} FIM cases from ${files.length} files...`);
    const completion = await evaluateCompletion(backend, cases, signal, every(progress, 'completion'));
    let completionWithoutContextCache: CompletionQuality | undefined;
    if (local.contextCache) {
      progress('Completion again without the context cache (the model alone)...');
      completionWithoutContextCache = await evaluateCompletion(backend, cases, signal, every(progress, 'completion'), {
        contextCache: false,
      });
    }
    progress(`Explanation: ${pairs.length} functions with docstrings / JSDoc...`);
    const explain = await evaluateExplain(backend, pairs, explainMaxTokens, signal, every(progress, 'explain'));
    const report: ModelEvalReport = {
      generatedAt: new Date().toISOString(),
      durationMs: performance.now() - started,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      settings: {
        fixturesDir,
        casesPerFile,
        seed,
        dtype: local.dtype,
        threads: local.threads,
        contextCache: local.contextCache,
        explainMaxTokens,
      },
      models: { completion: backend.loadedInfo('completion'), explain: backend.loadedInfo('explain') },
      completion,
      completionWithoutContextCache,
      explain,
      speed,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    if (options.outPath) {
      fs.mkdirSync(path.dirname(options.outPath), { recursive: true });
      fs.writeFileSync(options.outPath, `${JSON.stringify(report, null, 2)}\n`);
    }
    return report;
  } finally {
    await backend.dispose();
  }
}

/** Every k-th item so a limited sample still covers every file and language. */
function spread<T>(items: readonly T[], limit: number): T[] {
  if (limit >= items.length) return [...items];
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)] as T);
}

function every(progress: (line: string) => void, what: string): (done: number, total: number) => void {
  return (done, total) => {
    if (done === total || done % 25 === 0) progress(`  ${what} ${done}/${total}`);
  };
}

const USAGE = `Usage: tandem eval-models [options]
  --out FILE             JSON report path (default reports/model-eval.json)
  --fixtures DIR         held-out sources (default test/fixtures/heldout)
  --cases-per-file N     completion lines sampled per file (default 20)
  --explain-limit N      at most N explanation pairs (default all)
  --seed N               line sampling seed (default 1234)
  --skip-speed           quality only
  --completion-model X   'bundled', a directory or a hub id (like tandem.local.completionModel)
  --explain-model X      same for the explanation model
  --dtype q8|fp32        model weights to load (default q8)
  --threads N            onnxruntime intra-op threads (default: runtime's choice)
  --no-context-cache     decode with the model alone (default: with the context cache, and
                         the model alone measured too)
  --allow-remote         allow downloading hub models`;

/** CLI entry: parses flags, runs, prints the table; returns the process exit code. */
export async function evalModelsMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        fixtures: { type: 'string' },
        'cases-per-file': { type: 'string' },
        'explain-limit': { type: 'string' },
        seed: { type: 'string' },
        'skip-speed': { type: 'boolean' },
        'completion-model': { type: 'string' },
        'explain-model': { type: 'string' },
        dtype: { type: 'string' },
        threads: { type: 'string' },
        'no-context-cache': { type: 'boolean' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const settings: Record<string, unknown> = {
    'local.completionModel': values['completion-model'],
    'local.explainModel': values['explain-model'],
    'local.dtype': values.dtype,
    'local.threads': values.threads === undefined ? undefined : Number(values.threads),
    'local.allowRemoteModels': values['allow-remote'],
    'local.contextCache': values['no-context-cache'] ? false : undefined,
  };
  const { config, warnings } = mergeConfig(settings);
  for (const warning of warnings) process.stderr.write(`${warning}\n`);
  const counts: Record<string, number | undefined> = {};
  for (const flag of ['cases-per-file', 'explain-limit', 'seed'] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`--${flag} must be a non-negative integer, not "${raw}".\n`);
      return 2;
    }
    counts[flag] = n;
  }
  const outPath = path.resolve(values.out ?? path.join('reports', 'model-eval.json'));
  const report = await runModelEval({
    outPath,
    local: config.local,
    ...(values.fixtures ? { fixturesDir: path.resolve(values.fixtures) } : {}),
    ...(counts['cases-per-file'] !== undefined ? { casesPerFile: counts['cases-per-file'] } : {}),
    ...(counts['explain-limit'] !== undefined ? { explainLimit: counts['explain-limit'] } : {}),
    ...(counts.seed !== undefined ? { seed: counts.seed } : {}),
    skipSpeed: values['skip-speed'] ?? false,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatModelEvalReport(report)}\nJSON report: ${outPath}\n`);
  return 0;
}
