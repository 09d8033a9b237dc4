/**
 * Next-line quality through the real LSP path: for sampled lines of the held-out files, the line
 * after them is removed and the cursor put at the end of the line, as when a developer writes the
 * next statement. The server's suggestion should start with the line break and then be that
 * line. Scored like CodeXGLUE line completion (exact match and edit similarity of the
 * whitespace-normalised line), over every case: a case with no next-line suggestion scores 0.
 *
 * Used by `npm start` (a few cases per file) and `tandem bench line-ends`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { TandemLspClient } from '../demo/lspClient';
import { editSimilarity, exactMatch } from '../metrics/textMetrics';
import { packageRoot } from '../packageRoot';
import { seededRandom } from '../seededRandom';
import { readHeldoutFiles, sampleSorted, type HeldoutFile } from './heldout';

export interface LineEndScores {
  cases: number;
  /** Suggestions shown at all (non-empty). */
  shown: number;
  /** Suggestions that start with the line break (a next line, not text glued onto this one);
   * for FIM holes (measureFimHoles): suggestions whose first line holds code. */
  nextLine: number;
  exactMatch: number;
  editSimilarity: number;
}

export interface LineEndReport {
  total: LineEndScores;
  perLanguage: Record<string, LineEndScores>;
}

export interface LineEndOptions {
  casesPerFile: number;
  seed: number;
}

interface LineEndCase {
  file: HeldoutFile;
  /** The document with the next line removed, and the cursor at the end of line `line`. */
  text: string;
  line: number;
  character: number;
  reference: string;
}

/** Lines from the 10th on whose next line holds code. */
export function lineEndCases(files: readonly HeldoutFile[], options: LineEndOptions): LineEndCase[] {
  const random = seededRandom(options.seed);
  return files.flatMap((file) => {
    const lines = file.text.split('\n');
    const candidates = lines
      .map((_, line) => line)
      .filter((line) => line >= 10 && (lines[line] ?? '').trim() !== '' && (lines[line + 1] ?? '').trim() !== '');
    return sampleSorted(candidates, options.casesPerFile, random).map((line) => ({
      file,
      text: [...lines.slice(0, line + 1), ...lines.slice(line + 2)].join('\n'),
      line,
      character: (lines[line] ?? '').length,
      reference: lines[line + 1] ?? '',
    }));
  });
}

export async function measureLineEnds(
  client: TandemLspClient,
  files: readonly HeldoutFile[],
  options: LineEndOptions,
): Promise<LineEndReport> {
  return measureThroughLsp(client, lineEndCases(files, options), 'tandem-line-ends', scoreNextLine);
}

/**
 * Fill in the middle through the LSP path: a sampled line's code is removed (its indentation
 * kept, the cursor after it) with the rest of the file left in place, as when a developer fills
 * a gap between written lines. The suggestion's first line is scored against the removed code.
 */
export function fimHoleCases(files: readonly HeldoutFile[], options: LineEndOptions): LineEndCase[] {
  const random = seededRandom(options.seed + 1);
  return files.flatMap((file) => {
    const lines = file.text.split('\n');
    const candidates = lines.map((_, line) => line).filter((line) => line >= 10 && (lines[line] ?? '').trim().length >= 2);
    return sampleSorted(candidates, options.casesPerFile, random).map((line) => {
      const whole = lines[line] ?? '';
      const indent = whole.slice(0, whole.length - whole.trimStart().length);
      return {
        file,
        text: [...lines.slice(0, line), indent, ...lines.slice(line + 1)].join('\n'),
        line,
        character: indent.length,
        reference: whole.trim(),
      };
    });
  });
}

export async function measureFimHoles(
  client: TandemLspClient,
  files: readonly HeldoutFile[],
  options: LineEndOptions,
): Promise<LineEndReport> {
  return measureThroughLsp(client, fimHoleCases(files, options), 'tandem-fim-holes', scoreFimHole);
}

type ScoreCase = (scores: LineEndScores, suggestion: string, reference: string) => void;

/**
 * Each case's document is opened under file:///<folder>/ (changed in place when its file was
 * opened before), the server's first suggestion at the case's cursor is scored into the totals and
 * its language's scores, and the sums are turned into rates.
 */
async function measureThroughLsp(
  client: TandemLspClient,
  cases: readonly LineEndCase[],
  folder: string,
  scoreCase: ScoreCase,
): Promise<LineEndReport> {
  const perLanguage: Record<string, LineEndScores> = {};
  const total = emptyScores();
  const opened = new Set<string>();
  for (const testCase of cases) {
    const uri = `file:///${folder}/${testCase.file.name}`;
    if (opened.has(uri)) await client.change(uri, testCase.text);
    else await client.open(uri, testCase.file.language, testCase.text);
    opened.add(uri);
    const items = await client.complete(uri, testCase.line, testCase.character).result;
    const insert = items[0]?.insertText;
    const suggestion = typeof insert === 'string' ? insert : (insert?.value ?? '');
    const language = (perLanguage[testCase.file.language] ??= emptyScores());
    for (const scores of [total, language]) scoreCase(scores, suggestion, testCase.reference);
  }
  for (const scores of [total, ...Object.values(perLanguage)]) finish(scores);
  return { total, perLanguage };
}

function emptyScores(): LineEndScores {
  return { cases: 0, shown: 0, nextLine: 0, exactMatch: 0, editSimilarity: 0 };
}

/** A FIM hole: the suggestion's first line against the removed code. */
function scoreFimHole(scores: LineEndScores, suggestion: string, reference: string): void {
  const predicted = suggestion.split('\n')[0] ?? '';
  scores.cases += 1;
  if (suggestion.trim() !== '') scores.shown += 1;
  if (predicted.trim() !== '') scores.nextLine += 1;
  if (exactMatch(predicted, reference)) scores.exactMatch += 1;
  scores.editSimilarity += editSimilarity(predicted, reference);
}

/** A next line: only a suggestion that starts with the line break counts, its first line scored. */
function scoreNextLine(scores: LineEndScores, suggestion: string, reference: string): void {
  scores.cases += 1;
  if (suggestion.trim() !== '') scores.shown += 1;
  if (!suggestion.startsWith('\n')) return;
  scores.nextLine += 1;
  const predicted = suggestion.slice(1).split('\n')[0] ?? '';
  if (exactMatch(predicted, reference)) scores.exactMatch += 1;
  scores.editSimilarity += editSimilarity(predicted, reference);
}

/** Sums to rates: exact match as a share of cases, edit similarity as a mean over cases. */
function finish(scores: LineEndScores): void {
  if (scores.cases === 0) return;
  scores.exactMatch /= scores.cases;
  scores.editSimilarity /= scores.cases;
}

export function formatLineEnds(report: LineEndReport): string {
  const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
  const line = (name: string, s: LineEndScores) =>
    `  ${name.padEnd(11)} ${String(s.cases).padStart(4)} cases  shown ${String(s.shown).padStart(3)}  next-line ${String(s.nextLine).padStart(3)}  ` +
    `EM ${pct(s.exactMatch).padStart(5)}  ES ${s.editSimilarity.toFixed(2)}`;
  return [
    'Next line through the LSP path (held-out files, the following line removed):',
    ...Object.entries(report.perLanguage).map(([language, scores]) => line(language, scores)),
    line('all', report.total),
  ].join('\n');
}

const USAGE = `Usage: tandem bench line-ends [--cases-per-file N] [--seed N] [--settings JSON] [--server FILE] [--out FILE]
  Next-line exact match and edit similarity of the bundled model through the language server
  (dist/server.js over stdio, policy local) on the held-out files. --settings merges Tandem
  settings over that, e.g. '{"completion":{"multiline":"never"}}'. --server runs another build's
  dist/server.js (to compare before and after a change).`;

export async function lineEndsBenchMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'cases-per-file': { type: 'string', default: '12' },
      seed: { type: 'string', default: '1234' },
      settings: { type: 'string', default: '{}' },
      out: { type: 'string', default: 'reports/line-ends.json' },
      server: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const casesPerFile = Number(values['cases-per-file']);
  const seed = Number(values.seed);
  if (values.help || !Number.isInteger(casesPerFile) || casesPerFile < 1 || !Number.isInteger(seed)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const root = packageRoot();
  const files = readHeldoutFiles(join(root, 'test', 'fixtures', 'heldout'));
  const extra = JSON.parse(values.settings) as Record<string, Record<string, unknown>>;
  const settings = { ...extra, routing: { policy: 'local' }, completion: { debounceMs: 0, ...extra.completion } };
  const storage = mkdtempSync(join(tmpdir(), 'tandem-line-ends-'));
  const client = await TandemLspClient.start({
    serverPath: values.server ?? join(root, 'dist', 'server.js'),
    initializationOptions: { settings, storagePath: storage },
  });
  try {
    const report = await measureLineEnds(client, files, { casesPerFile, seed });
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, JSON.stringify({ measuredAt: new Date().toISOString(), settings, casesPerFile, seed, ...report }, null, 2));
    console.log(formatLineEnds(report));
    console.log(`Written to ${values.out}`);
    return 0;
  } finally {
    await client.stop();
    rmSync(storage, { recursive: true, force: true });
  }
}
