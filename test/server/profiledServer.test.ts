/**
 * `tandem bench overhead`'s own in-process server (server/src/bench/profiledServer.ts): both
 * clients the benchmark compares read the whole profiled answer from it, the probe takes it for
 * vLLM, and a short run of the benchmark writes a report.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { OffloadBackend } from '../../server/src/backends/offload/offloadBackend';
import { BareStreamClient } from '../../server/src/bench/bareStreamClient';
import { overheadBenchMain } from '../../server/src/bench/offloadOverhead';
import { PROFILED_MODEL, ProfiledServer } from '../../server/src/bench/profiledServer';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { activeHandles, assertNoLeaks } from '../support/offloadHarness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the overhead benchmark against its in-process server', () => {
  it('streams the profiled answer to OffloadBackend and to the bare client alike', async () => {
    const before = activeHandles();
    const server = await ProfiledServer.start({ firstTokenMs: 1, tokenMs: 1, tokens: 5 });
    const backend = new OffloadBackend({ config: { ...DEFAULT_CONFIG.offload, url: server.baseUrl, maxRetries: 0 } });
    const bare = new BareStreamClient(server.baseUrl);
    try {
      const probe = await backend.probe();
      assert.equal(probe.state, 'ready', probe.detail);
      assert.equal(probe.serverKind, 'vllm');
      assert.equal(probe.model, PROFILED_MODEL);
      assert.equal(probe.fim, 'template', 'suffix is refused, as vLLM does');

      let text = '';
      const request = { task: 'completion' as const, prompt: 'def f():\n    ', maxTokens: 5, temperature: 0, stop: [] };
      for await (const chunk of backend.generate(request, new AbortController().signal)) if (chunk.type === 'text') text += chunk.text;
      assert.equal(text, 'tok_'.repeat(5));

      const timing = await bare.stream({ model: PROFILED_MODEL, prompt: 'x', max_tokens: 3, stream: true });
      assert.equal(timing.text, 'tok_'.repeat(3), 'max_tokens cuts the answer');
      assert.ok(timing.ttftMs <= timing.e2eMs);
    } finally {
      bare.close();
      await backend.dispose();
      await server.close();
    }
    assertNoLeaks(before);
  });

  it('a short run writes a report with both clients measured', async () => {
    const out = path.join(dir, 'overhead.json');
    const argv = ['--n', '4', '--warmup', '1', '--first-token-ms', '0', '--token-ms', '0', '--tokens', '4', '--out', out];
    assert.equal(await overheadBenchMain(argv), 0);
    const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(report.n, 4);
    assert.match(report.target, /^in-process vLLM-like server at http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.equal(report.model, PROFILED_MODEL);
    assert.deepEqual(report.profile, { firstTokenMs: 0, tokenMs: 0, tokens: 4 });
    for (const client of ['tandem', 'bare']) {
      assert.ok(Number.isFinite(report[client].ttftMs.p50) && report[client].ttftMs.p50 >= 0, `${client} TTFT measured`);
      assert.ok(report[client].e2eMs.p50 >= report[client].ttftMs.p50 - 1e-9, `${client} E2E is not shorter than TTFT`);
    }
  });
});
