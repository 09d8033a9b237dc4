/**
 * Fault × policy: every fault the offload endpoint can show (test/support/faultServer.ts), under
 * the policies local, offload and auto, driving the whole server in-process with the real local
 * model. Per cell: one explanation, two multi-line completions, one single-line completion.
 *
 * Per request: an answer within the deadline (tandem.completion.timeoutMs / explain.timeoutMs
 * plus slack for a loaded machine: the deadline is the bound, never a speed goal); its row
 * names a backend whenever an offload attempt was made, and an answer after a failed attempt
 * carries its fallback reason; the API key appears in no log line, row or status. Per cell: the
 * offload breaker's state; under `local` not one request reached the endpoint; after the
 * endpoint's backend is disposed, the endpoint has no open connection. After all cells: no
 * socket, server or timer left in this process.
 */
import { after, before, describe, it } from 'node:test';
import type { ExplainResult, RequestRow, RoutingPolicy } from '../../server/src/protocol';
import { summarize } from '../../server/src/metrics/percentiles';
import { FAULTS, FaultServer, type FaultName } from '../support/faultServer';
import { activeHandles } from '../support/offloadHarness';
import { Checks, writeReportPart, type FaultCell } from './results';
import { COMPLETION_DEADLINE_MS, EXPLAIN_DEADLINE_MS, startTandemUnderTest, waitUntil, type TandemUnderTest } from './tandemUnderTest';

/** A key that must never leave the request's Authorization header. */
const API_KEY = 'sk-tandem-faults-9f8e7d6c5b4a39281706';
/** Added to a deadline before a late answer counts as a failure: a shared 2-core machine stalls. */
const SLACK_MS = 1500;
const POLICIES: readonly RoutingPolicy[] = ['local', 'offload', 'auto'];
/** Faults after which the endpoint answered nothing usable: the offload breaker must be open. */
const FAILING: ReadonlySet<FaultName> = new Set([
  'http-500',
  'rate-limit',
  'stall-after-headers',
  'stall-mid-stream',
  'reset',
  'malformed-sse',
  'endless-stream',
  'closed-port',
  'echoed-key',
]);
const WATCHED_HANDLES = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'] as const;

/** Empty bodies to fill (multi-line after `{`) and a line to finish (single-line). */
function documentFor(cell: string): string {
  return `// fault cell: ${cell}
export function clamp(value: number, low: number, high: number): number {
  
}

export function average(values: number[]): number {
  
}

export function sum(values: number[]): number {
  let total = 0;
  for (const value of values) {
    total += 
`;
}
const EXPLAIN_RANGE = { start: { line: 1, character: 0 }, end: { line: 3, character: 1 } };
/** Explain first, so that under `offload` it meets the fault before the breaker can open. */
const REQUESTS = [
  { kind: 'explain' as const, label: 'explain' },
  { kind: 'completion' as const, label: 'multi-line clamp', line: 2, character: 2 },
  { kind: 'completion' as const, label: 'multi-line average', line: 6, character: 2 },
  { kind: 'completion' as const, label: 'single-line sum', line: 12, character: 13 },
];

interface Observed {
  label: string;
  kind: 'explain' | 'completion';
  elapsedMs: number;
  text: string;
  error?: string;
  offloadAttempted: boolean;
}

const cells: FaultCell[] = [];
let tandem: TandemUnderTest;
let baseline: Record<string, number>;

describe('offload faults × routing policy (in-process server, real local model)', () => {
  before(async () => {
    baseline = activeHandles();
    tandem = await startTandemUnderTest(API_KEY);
    // Load the explanation model once, outside any cell's deadline.
    await tandem.configure('local', '', 'disabled');
    await tandem.client.open('file:///faults/warmup.ts', 'typescript', documentFor('warm-up'));
    await tandem.client.explain('file:///faults/warmup.ts', EXPLAIN_RANGE);
  });

  after(async () => {
    writeReportPart('offload-matrix', cells);
    await tandem?.close();
    // Should a leak keep this process alive, end it (failing) instead of hanging the suite.
    setTimeout(() => {
      process.stderr.write(`offload matrix: handles still open at exit: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(1);
    }, 10_000).unref();
  });

  for (const policy of POLICIES) {
    for (const fault of FAULTS) {
      it(`${fault} × ${policy}`, { timeout: 90_000 }, async () => {
        await runCell(policy, fault);
      });
    }
  }

  it('leaves no socket, server or timer behind once the server and endpoints are closed', { timeout: 30_000 }, async () => {
    await tandem.close();
    const leaked = await waitUntil(
      'handles to close',
      async () => {
        const now = activeHandles();
        const extra = WATCHED_HANDLES.filter((kind) => (now[kind] ?? 0) > (baseline[kind] ?? 0));
        return extra.length === 0 ? [] : undefined;
      },
      5000,
    ).catch(() => {
      const now = activeHandles();
      return WATCHED_HANDLES.filter((kind) => (now[kind] ?? 0) > (baseline[kind] ?? 0)).map(
        (kind) => `${kind}: ${baseline[kind] ?? 0} → ${now[kind]}`,
      );
    });
    if (leaked.length > 0) throw new Error(`leaked handles: ${leaked.join(', ')}`);
  });
});

async function runCell(policy: RoutingPolicy, fault: FaultName): Promise<void> {
  const checks = new Checks();
  const name = `${fault} × ${policy}`;
  const server = await FaultServer.start(fault);
  const observed: Observed[] = [];
  const cellStart = Date.now();
  let rows: RequestRow[] = [];
  let attemptRows: RequestRow[] = [];
  let breaker = '-';
  try {
    await tandem.configure(policy, server.baseUrl, fault === 'closed-port' ? 'down' : 'ready');
    server.arm();
    const uri = `file:///faults/${fault}-${policy}.ts`;
    await tandem.client.open(uri, 'typescript', documentFor(name));
    for (const request of REQUESTS) observed.push(await send(uri, request, server));

    const status = await tandem.offloadStatus();
    breaker = status?.breaker ?? '-';
    const recorded = (await tandem.client.snapshot({ recent: 200 })).recent.filter((row) => row.ts >= cellStart);
    // A request's own row, and one row per failed attempt (`<id>:attempt-N`, same ts).
    rows = recorded.filter((row) => !isAttemptRow(row)).sort((a, b) => a.ts - b.ts);
    attemptRows = recorded.filter(isAttemptRow);
    const logs = tandem.logs.join('\n');

    for (const [i, seen] of observed.entries()) {
      const deadline = (seen.kind === 'explain' ? EXPLAIN_DEADLINE_MS : COMPLETION_DEADLINE_MS) + SLACK_MS;
      checks.check(
        seen.text.trim() !== '',
        `${seen.label}: no answer (${seen.error ?? 'empty completion'}) after ${Math.round(seen.elapsedMs)} ms`,
      );
      checks.check(
        seen.elapsedMs <= deadline,
        `${seen.label}: settled after ${Math.round(seen.elapsedMs)} ms, past the deadline ${deadline} ms`,
      );
      const row = rows[i];
      if (!row) continue;
      if (seen.offloadAttempted) {
        checks.check(
          row.backend !== null,
          `${seen.label}: an offload attempt was made but the row has backend null (${row.outcome}, ${row.errorClass})`,
        );
        if (row.backend === 'local') {
          checks.check(
            row.fallbackReason !== null,
            `${seen.label}: local answered after a failed offload attempt, but the row has no fallback reason`,
          );
          const recordedAttempt = attemptRows.some((attempt) => attempt.id.startsWith(`${row.id}:`) && attempt.backend === 'offload');
          checks.check(recordedAttempt, `${seen.label}: the failed offload attempt has no offload row`);
        }
      }
    }
    checks.check(rows.length === REQUESTS.length, `${rows.length} rows recorded for ${REQUESTS.length} requests`);

    const leaks = [
      ['a log line', logs],
      ['a metrics row', JSON.stringify([...rows, ...attemptRows])],
      ['the status', JSON.stringify(status)],
    ] as const;
    for (const [where, text] of leaks) checks.check(!text.includes(API_KEY), `the API key appears in ${where}`);
    for (const seen of observed)
      checks.check(!(seen.error ?? '').includes(API_KEY), `the API key appears in the error shown for ${seen.label}`);
    if (fault === 'echoed-key' && policy !== 'local') {
      // Without this the check above could pass only because no key was ever sent.
      checks.check(
        server.generationRequests().some((r) => r.headers.authorization === `Bearer ${API_KEY}`),
        'the endpoint never received the key, so nothing was tested',
      );
    }

    if (policy === 'local') {
      const reached = server.requests.filter((r) => r.armed);
      checks.check(
        reached.length === 0,
        `policy local, yet ${reached.length} request(s) reached the endpoint: ${reached.map((r) => `${r.method} ${r.path}`).join(', ')}`,
      );
      checks.check(breaker === 'closed', `policy local: offload breaker ${breaker}, expected closed`);
    } else if (FAILING.has(fault)) {
      checks.check(
        breaker === 'open',
        `offload breaker ${breaker} after a failing endpoint, expected open (status ${status?.state}: ${status?.detail})`,
      );
    } else if (fault === 'healthy') {
      checks.check(breaker === 'closed', `offload breaker ${breaker} with a healthy endpoint, expected closed`);
    }
  } finally {
    // Disposing the cell's offload backend must close every connection it held.
    await tandem
      .configure(policy, '', 'disabled')
      .catch((error: unknown) => checks.check(false, `disabling offload failed: ${String(error)}`));
    const open = await waitUntil(
      'the endpoint connections to close',
      async () => (server.openConnections === 0 ? 0 : undefined),
      3000,
    ).catch(() => server.openConnections);
    checks.check(open === 0, `${open} connection(s) to the endpoint still open after its backend was disposed`);
    await server.close();
    cells.push({
      ...summarizeCell(fault, policy, observed, rows, breaker, checks.failures),
      note: `${attemptRows.length} failed-attempt row(s)`,
    });
  }
  checks.finish();
}

async function send(uri: string, request: (typeof REQUESTS)[number], server: FaultServer): Promise<Observed> {
  const streamedBefore = streamedCount(server);
  const started = performance.now();
  let text = '';
  let error: string | undefined;
  if (request.kind === 'explain') {
    try {
      const result: ExplainResult = await tandem.client.explain(uri, EXPLAIN_RANGE);
      text = result.text;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
  } else {
    const items = await tandem.client.complete(uri, request.line, request.character).result;
    const insert = items[0]?.insertText;
    text = typeof insert === 'string' ? insert : (insert?.value ?? '');
  }
  const elapsedMs = performance.now() - started;
  return {
    label: request.label,
    kind: request.kind,
    elapsedMs,
    text,
    ...(error ? { error } : {}),
    offloadAttempted: streamedCount(server) > streamedBefore,
  };
}

function isAttemptRow(row: RequestRow): boolean {
  return row.id.includes(':attempt-');
}

/** Generation requests that carried a user's request (streamed), not the probe's check. */
function streamedCount(server: FaultServer): number {
  return server.generationRequests().filter((r) => r.armed && r.body?.stream === true).length;
}

function summarizeCell(
  fault: FaultName,
  policy: RoutingPolicy,
  observed: Observed[],
  rows: RequestRow[],
  breaker: string,
  failures: string[],
): FaultCell {
  const fallbackLatencies = observed.filter((seen, i) => seen.text.trim() !== '' && rows[i]?.fallbackReason).map((seen) => seen.elapsedMs);
  const latency = summarize(fallbackLatencies);
  return {
    fault,
    policy,
    requests: observed.length,
    answered: observed.filter((seen) => seen.text.trim() !== '').length,
    empty: observed.filter((seen) => seen.kind === 'completion' && seen.text.trim() === '').length,
    error: observed.filter((seen) => seen.kind === 'explain' && seen.text.trim() === '').length,
    offloadAttempts: observed.filter((seen) => seen.offloadAttempted).length,
    fallbacks: rows.filter((row) => row.fallbackReason !== null).length,
    fallbackP50Ms: latency.count > 0 ? Math.round(latency.p50) : null,
    fallbackP95Ms: latency.count > 0 ? Math.round(latency.p95) : null,
    breaker,
    rowsWithoutBackend: observed.filter((seen, i) => seen.offloadAttempted && rows[i]?.backend === null).length,
    rowsLost: Math.max(0, observed.length - rows.length),
    failures,
  };
}
