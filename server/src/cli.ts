/**
 * `tandem` command line.
 *   tandem serve                 the language server over stdio (for Neovim, Helix, Emacs, …)
 *   tandem demo [--quick]        replay an editing session offline and print the summary
 *   tandem eval-models           evaluate the bundled models through the local backend
 *   tandem bench [--quick] ...   latency, throughput, memory and cost of each backend (bench/runner)
 *   tandem bench overhead        client overhead of the offload path vs a bare HTTP request
 *   tandem bench kv-reuse        follow-up keystroke TTFT with the local KV cache reused vs cold
 *   tandem bench line-ends       next-line quality through the language server on held-out files
 *   tandem report                per-backend summary of a metrics database
 */
import { demoMain } from './demo/demoMain';
import { evalModelsMain } from './bench/evalModels';
import { kvReuseBenchMain } from './bench/followUpTtft';
import { lineEndsBenchMain } from './bench/lineEndQuality';
import { overheadBenchMain } from './bench/offloadOverhead';
import { benchMain } from './bench/runner/benchMain';
import { runStdioServer } from './lspServer';
import { reportMain } from './reportMain';

const USAGE = `Usage: tandem <command> [options]

Commands:
  serve                 Run the language server over stdio.
  demo [--quick] [--policy local|offload|auto] [--fixtures DIR] [--out FILE] [--verbose]
                        Replay an editing session over real source files and print a
                        per-backend summary (set TANDEM_OFFLOAD_URL to include an endpoint).
  eval-models [...]     Quality and speed of the bundled models, through the local backend.
  bench [--quick] [--scenario NAME] [--backend local|offload] [--out DIR] [--compare A.json B.json]
                        Latency, throughput, memory and cost of each backend: report.json + report.html.
  bench overhead [...]  Tandem's offload client overhead vs a bare streaming HTTP request.
  bench kv-reuse [...]  Follow-up keystroke TTFT with the local KV cache reused vs cold.
  bench line-ends [...] Next-line exact match / edit similarity through the language server.
  report [--db FILE] [--json | --prometheus | --html OUT.html]
                        Per-backend summary of a metrics database (default ~/.tandem/metrics.db;
                        VS Code keeps one in the extension's global storage); --html writes the
                        performance panel as one self-contained file.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      runStdioServer();
      return new Promise<number>(() => undefined); // runs until the client sends exit
    case 'demo':
      return demoMain(rest);
    case 'eval-models':
      return evalModelsMain(rest);
    case 'report':
      return reportMain(rest);
    case 'bench':
      if (rest[0] === 'overhead') return overheadBenchMain(rest.slice(1));
      if (rest[0] === 'kv-reuse') return kvReuseBenchMain(rest.slice(1));
      if (rest[0] === 'line-ends') return lineEndsBenchMain(rest.slice(1));
      if (rest[0] === undefined || rest[0].startsWith('-')) return benchMain(rest);
      console.error(`Unknown benchmark "${rest[0] ?? ''}".\n\n${USAGE}`);
      return 2;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
