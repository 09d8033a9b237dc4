/**
 * The stress, cache and quality scenarios of `tandem bench`, end to end on small plans (the
 * --quick shapes, shortened so the test takes seconds, not minutes): against the bundled local
 * model and the tests' OpenAI-compatible server, through runBench and writeReports as the CLI
 * runs them, on two held-out files. Checks the report against its schema and the figures against
 * what the plans imply; nothing is timed (the machine is shared).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mergeConfig } from '../../server/src/config';
import { writeReports } from '../../server/src/bench/runner/benchMain';
import { QUICK_PLANS, type Plans } from '../../server/src/bench/runner/plans';
import { reportProblems } from '../../server/src/bench/runner/reportSchema';
import type { BackendReport, BenchReport } from '../../server/src/bench/runner/reportTypes';
import { runBench } from '../../server/src/bench/runner/runBench';
import { findPython } from '../../server/src/bench/runner/sandboxRun';
import { FakeOpenAIServer } from '../support/fakeOpenAIServer';

const PLANS: Plans = {
  ...QUICK_PLANS,
  stress: { ...QUICK_PLANS.stress, sustainS: 3, burstS: 1, recoveryMaxS: 4, maxRequestsPerPhase: 20 },
  cache: { files: 2, charsPerFile: 10, pacingMs: 0 },
  quality: { ...QUICK_PLANS.quality, casesPerFile: 1, explainPairs: 2, functionMaxTokens: 48 },
};

describe('tandem bench stress, cache and quality (bundled model + fake offload server)', () => {
  let server: FakeOpenAIServer;
  let dir: string;
  let report: BenchReport;
  let html: string;

  before(async () => {
    server = await FakeOpenAIServer.start({ flavor: 'vllm', firstTokenDelayMs: 3, tokenDelayMs: 1, respond: () => 'tok_'.repeat(1000) });
    dir = mkdtempSync(join(tmpdir(), 'tandem-bench-scenarios-'));
    const fixtures = join(dir, 'heldout');
    for (const file of ['python/textwrap.py', 'typescript/utils.ts']) {
      mkdirSync(join(fixtures, file.split('/')[0] as string), { recursive: true });
      copyFileSync(join(__dirname, '..', 'fixtures', 'heldout', file), join(fixtures, file));
    }
    const { config } = mergeConfig({ offload: { url: server.baseUrl, timeoutMs: 60_000, maxRetries: 0 } });
    report = await runBench({
      quick: true,
      scenarios: ['stress', 'cache', 'quality'],
      backends: ['local', 'offload'],
      plans: PLANS,
      slo: { ttftMs: 300, e2eMs: 2000 },
      seed: 1234,
      acceptanceRate: 0.3,
      config,
      fixturesDir: fixtures,
    });
    writeReports(report, join(dir, 'run'));
    html = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const each = (check: (b: BackendReport) => void) => {
    assert.deepEqual(
      report.backends.map((b) => [b.id, b.errors]),
      [
        ['local', []],
        ['offload', []],
      ],
    );
    for (const backend of report.backends) check(backend);
  };

  it('writes a report.json that satisfies the schema, and only the selected scenarios', () => {
    const written = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as BenchReport;
    assert.deepEqual(reportProblems(written), []);
    each((b) => assert.deepEqual([b.latency, b.throughput, b.memory, b.cost], [null, null, null, null]));
    for (const metric of [
      'stress.recoveryS',
      'stress.e2eDriftMsPerMinute',
      'cache.hitRate',
      'quality.passAt1',
      'quality.bleu4',
      'quality.rougeL',
    ]) {
      assert.ok(report.metrics[metric]?.definition && report.metrics[metric]?.unit, metric);
    }
    assert.deepEqual(report.configuration.stress.sustainS, 3);
  });

  it('stress: three back-to-back phases at 50 %, 200 %, 50 % of a saturation it measured itself', () => {
    each((b) => {
      const s = b.stress!;
      assert.equal(s.saturationSource, 'measured', 'no throughput scenario in this run');
      assert.deepEqual(
        s.phases.map((p) => p.name),
        ['sustained', 'burst', 'recovery'],
      );
      assert.ok(Math.abs(s.phases[1]!.offeredRps / s.phases[0]!.offeredRps - 4) < 1e-9);
      assert.ok(Math.abs(s.phases[0]!.offeredRps / s.saturationRps - 0.5) < 1e-9);
      assert.equal(
        s.requests,
        s.phases.reduce((sum, p) => sum + p.requests, 0),
      );
      assert.equal(s.series.e2eMs.length, s.requests);
      for (const p of s.phases)
        assert.ok(p.requests > 0 && p.requests <= PLANS.stress.maxRequestsPerPhase, `${b.id} ${p.name}: ${p.requests}`);
      assert.equal(s.errors, 0);
      assert.equal(s.e2eDriftMsPerMinute.points, s.phases[0]!.requests);
      assert.ok(s.preBurstE2eP50Ms !== null && s.preBurstE2eP50Ms > 0);
      assert.ok(s.recoveryS === null || s.recoveryS >= 0);
    });
  });

  it('cache: the replay misses first, then hits L1 when retyped and L2 after a restart', () => {
    each((b) => {
      const c = b.cache!;
      assert.deepEqual(
        c.passes.map((p) => p.name),
        ['typing', 'retyping', 'restart'],
      );
      assert.equal(c.typedChars, 20);
      for (const pass of c.passes) {
        assert.equal(pass.requests, c.typedChars);
        assert.equal(
          Object.values(pass.counts).reduce((a, n) => a + n, 0),
          pass.requests,
        );
      }
      const [typing, retyping, restart] = c.passes;
      assert.ok(typing!.counts.miss > 0 && typing!.counts.l1 === 0 && typing!.counts.l2 === 0, JSON.stringify(typing));
      assert.ok(retyping!.counts.l1 > 0 && retyping!.counts.miss === 0, JSON.stringify(retyping));
      assert.ok(restart!.counts.l2 > 0, JSON.stringify(restart));
      assert.ok(c.hitRate.total > 0 && c.hitRate.total <= 1);
      assert.equal(c.latencyMs.miss.count, typing!.counts.miss);
      assert.equal(c.hitLatencyMs.count, c.latencyMs.l1.count + c.latencyMs.l2.count + c.latencyMs.typing.count);
    });
  });

  it('quality: next line and FIM through the language server, functions executed, explanations scored', () => {
    each((b) => {
      const q = b.quality!;
      assert.equal(q.nextLine.cases, 2);
      assert.equal(q.fim.cases, 2);
      for (const t of [q.nextLine, q.fim])
        assert.ok(t.exactMatch >= 0 && t.exactMatch <= 1 && t.editSimilarity >= 0 && t.editSimilarity <= 1);
      assert.equal(q.functions.problems, 12);
      assert.equal(q.functions.attempted, findPython() ? 12 : 6);
      assert.equal(q.explain.pairs, 2);
      assert.ok(q.explain.bleu4 >= 0 && q.explain.bleu4 <= 100 && q.explain.rougeL >= 0 && q.explain.rougeL <= 1);
    });
    // The fake server answers "tok_tok_…": no function body it writes can pass, no line can match.
    const offload = report.backends[1]!.quality!;
    assert.equal(offload.functions.passed, 0);
    assert.equal(offload.functions.passAt1, 0);
    assert.equal(offload.nextLine.exactMatch, 0);
    assert.ok(offload.explain.examples[0]?.generated.startsWith('tok_'));
  });

  it('puts the new figures in the executive summary and report.html', () => {
    for (const metric of [
      'Stress: error rate',
      'Cache hit rate, typing replay (all tiers)',
      'Function completion pass@1',
      'Explanation ROUGE-L',
    ]) {
      const row = report.summary.find((r) => r.metric === metric);
      assert.ok(row && row.local !== null && row.offload !== null, metric);
    }
    for (const heading of ['<h2>Stress</h2>', '<h2>Cache (typing replay through the language server)</h2>', '<h2>Quality</h2>'])
      assert.ok(html.includes(heading), heading);
    assert.ok((html.match(/<svg class="chart"/g) ?? []).length >= 3, 'stress charts per backend and the cache chart');
    assert.doesNotMatch(html, /<script|\s(src|href)=/);
  });
});
