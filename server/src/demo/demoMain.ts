/**
 * `npm start` / `tandem demo`: the main job, offline. Starts the built server over stdio with a
 * real LSP client, replays an editing session over the fixture files, prints a per-backend
 * summary and writes every request record as JSON.
 *
 * With TANDEM_OFFLOAD_URL set (and optionally TANDEM_OFFLOAD_MODEL, TANDEM_OFFLOAD_API_KEY),
 * the offload endpoint takes part under the `auto` policy and the summary compares both.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../packageRoot';
import { readHeldoutFiles } from '../bench/heldout';
import { formatLineEnds, measureLineEnds } from '../bench/lineEndQuality';
import { languageOf, replaySession } from './editingSession';
import { TandemLspClient } from './lspClient';
import { formatGenerationsPerKeystroke, formatSummary, generationsStarted } from './summary';

export async function demoMain(argv: string[]): Promise<number> {
  const root = packageRoot();
  const fixtures = argValue(argv, '--fixtures') ?? join(root, 'test/fixtures/heldout');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = argValue(argv, '--out') ?? join(root, 'reports', `demo-${stamp}.json`);
  const quick = argv.includes('--quick');
  const files = listSourceFiles(fixtures).slice(0, quick ? 3 : 6);
  if (files.length === 0) {
    console.error(`No source files found under ${fixtures}.`);
    return 1;
  }
  const offloadUrl = process.env.TANDEM_OFFLOAD_URL ?? '';
  const settings = {
    routing: { policy: argValue(argv, '--policy') ?? 'auto' },
    offload: { url: offloadUrl, model: process.env.TANDEM_OFFLOAD_MODEL ?? '' },
  };
  // Kept after the run: `tandem report --db <storage>/metrics.db` (--html, --json, --prometheus)
  // reads the session's rows the way it reads VS Code's.
  const storage = join(root, 'reports', `demo-${stamp}`);
  mkdirSync(storage, { recursive: true });
  console.log(`Tandem demo: replaying an editing session over ${files.length} files from ${relative(root, fixtures) || fixtures}`);
  console.log(
    offloadUrl ? `Offload endpoint: ${offloadUrl}` : 'Offline: local model only (set TANDEM_OFFLOAD_URL to compare an offload endpoint).',
  );
  const started = Date.now();
  const client = await TandemLspClient.start({
    serverPath: join(root, 'dist/server.js'),
    initializationOptions: {
      settings,
      storagePath: storage,
    },
    onLog: (line) => {
      if (argv.includes('--verbose')) console.error(`[server] ${line}`);
    },
  });
  try {
    const totals = await replaySession(client, {
      files,
      linesPerFile: quick ? 2 : 4,
      keystrokeMs: 80,
      pauseMs: 1500,
      explainPerFile: 1,
      log: (line) => console.log(line),
    });
    const snapshot = await client.snapshot({ recent: 100000 });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `\nSession: ${totals.keystrokes} keystrokes, ${totals.requests} completion requests, ` +
        `${totals.itemsShown} shown, ${totals.accepted} accepted, ${totals.partial} partially accepted, ` +
        `${totals.rejected} rejected, ${totals.charsTypedByCompletion} characters typed by Tandem, ` +
        `${totals.explanations} explanations, in ${seconds} s.`,
    );
    const generations = generationsStarted(snapshot.recent);
    console.log(`${formatGenerationsPerKeystroke(generations, totals.keystrokes)}\n`);
    console.log(formatSummary(snapshot));
    // After the snapshot, so its requests do not count in the session's figures above.
    const lineEnds = await measureLineEnds(client, readHeldoutFiles(fixtures), { casesPerFile: quick ? 3 : 8, seed: 1234 });
    console.log(`\n${formatLineEnds(lineEnds)}`);
    mkdirSync(join(out, '..'), { recursive: true });
    const report = { settings, files: files.map((f) => relative(root, f)), totals: { ...totals, generations }, lineEnds, snapshot };
    writeFileSync(out, JSON.stringify(report, null, 2));
    console.log(`\nRecords (${snapshot.recent.length} requests) written to ${relative(process.cwd(), out)}`);
    const db = relative(process.cwd(), join(storage, 'metrics.db'));
    console.log(
      `The session's metrics database: ${db}\n  node dist/cli.js report --db ${db} --html ${db.replace(/metrics\.db$/, 'report.html')}`,
    );
    return 0;
  } finally {
    await client.stop();
  }
}

function listSourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listSourceFiles(path));
    else if (languageOf(path)) files.push(path);
  }
  // Interleave languages so a short run still covers all of them.
  const byLanguage = new Map<string, string[]>();
  for (const file of files) byLanguage.set(languageOf(file)!, [...(byLanguage.get(languageOf(file)!) ?? []), file]);
  const interleaved: string[] = [];
  for (let i = 0; interleaved.length < files.length; i++) {
    for (const list of byLanguage.values()) if (list[i]) interleaved.push(list[i]!);
  }
  return interleaved;
}

function argValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}
