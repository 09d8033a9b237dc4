/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: run as a child process script */
// Stands in for dist/cli.js in benchmarkCommand tests: `bench ... --out DIR ...`.
// STANDIN_BENCH_MODE: ok (report written, exit 0), errors (report written, exit 1),
// fail (no report, exit 2), hang (prints progress, never ends), script (a report with a script).
// STANDIN_BENCH_RECORD: file the arguments and offload environment are written to.
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const mode = process.env.STANDIN_BENCH_MODE ?? 'ok';
if (process.env.STANDIN_BENCH_RECORD) {
  const env = {
    url: process.env.TANDEM_OFFLOAD_URL ?? null,
    key: process.env.TANDEM_OFFLOAD_API_KEY ?? null,
    electron: process.env.ELECTRON_RUN_AS_NODE ?? null,
  };
  fs.writeFileSync(process.env.STANDIN_BENCH_RECORD, JSON.stringify({ args, env, pid: process.pid }));
}
const out = args[args.indexOf('--out') + 1] ?? '';
process.stderr.write('progress local latency 0/4\nprogress local latency 2/4\n');
if (mode === 'hang') {
  setInterval(() => process.stderr.write('progress local latency 3/4\n'), 50);
} else if (mode === 'fail') {
  process.stderr.write('Error: no held-out files\n');
  process.exit(2);
} else {
  fs.mkdirSync(out, { recursive: true });
  const script = mode === 'script' ? '<script>alert(1)</script>' : '';
  fs.writeFileSync(
    path.join(out, 'report.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><style>body{color:#222}</style></head><body><table id="executive-summary"></table><svg class="chart"></svg>${script}</body></html>\n`,
  );
  process.stderr.write('progress done\n');
  process.exit(mode === 'errors' ? 1 : 0);
}
