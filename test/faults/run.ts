/**
 * `npm run test:faults`: runs every test in test/faults (through scripts/run-tests.mjs, one file
 * at a time), then joins the parts each file wrote into reports/faults.json and prints the
 * markdown table for the closing note. Exits with the tests' status: the table is printed even
 * when cells fail, since it is how today's behaviour is read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_DIR, type FaultCell } from './results';

const ROOT = join(__dirname, '../..');
const PART_ORDER = ['offload-matrix', 'server-exit', 'storage', 'workspace'];

rmSync(REPORT_DIR, { recursive: true, force: true });
const result = spawnSync(process.execPath, [join(ROOT, 'scripts/run-tests.mjs'), join(ROOT, 'test/faults')], { stdio: 'inherit' });

const parts = existsSync(REPORT_DIR) ? readdirSync(REPORT_DIR).filter((name) => name.endsWith('.json')) : [];
parts.sort((a, b) => rank(a) - rank(b));
const cells = parts.flatMap((name) => JSON.parse(readFileSync(join(REPORT_DIR, name), 'utf8')) as FaultCell[]);
writeFileSync(join(ROOT, 'reports/faults.json'), `${JSON.stringify({ generatedAt: new Date().toISOString(), cells }, null, 2)}\n`);
process.stdout.write(`\n${markdownTable(cells)}\nWritten: reports/faults.json (${cells.length} cells)\n`);
process.exit(result.status ?? 1);

function rank(name: string): number {
  const index = PART_ORDER.indexOf(name.replace(/\.json$/, ''));
  return index < 0 ? PART_ORDER.length : index;
}

export function markdownTable(rows: readonly FaultCell[]): string {
  const header =
    '| fault | policy | answered | empty | error | offload attempts | fallbacks | fallback p50 / p95 ms | breaker | rows lost | result |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((cell) => {
    const latency = cell.fallbackP50Ms === null ? '-' : `${cell.fallbackP50Ms} / ${cell.fallbackP95Ms}`;
    const outcome = cell.failures.length === 0 ? 'pass' : `FAIL: ${cell.failures.join('; ').replace(/\|/g, '/')}`;
    const note = cell.note ? ` (${cell.note})` : '';
    return `| ${cell.fault} | ${cell.policy} | ${cell.answered}/${cell.requests} | ${cell.empty} | ${cell.error} | ${cell.offloadAttempts} | ${cell.fallbacks} | ${latency} | ${cell.breaker} | ${cell.rowsLost} | ${outcome}${note} |`;
  });
  return [header, rule, ...lines].join('\n');
}
