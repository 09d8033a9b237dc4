/**
 * The local backend measures the CPU time of each generation (the basis of local cost,
 * metrics/cost.ts) and reports it in the done chunk's usage.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { collect } from '../../server/src/backends/backend';
import { startCpuClock } from '../../server/src/backends/local/cpuTime';
import { LocalBackend } from '../../server/src/backends/local/localBackend';
import { memoryLogger } from '../../server/src/logger';
import { packageRoot } from '../../server/src/packageRoot';

const modelsRoot = process.env.TANDEM_MODELS_DIR ?? path.join(packageRoot(), 'models');

describe('startCpuClock', () => {
  it('reads the CPU time spent since it started', () => {
    const elapsed = startCpuClock();
    assert.ok(elapsed() >= 0);
    let sink = 0;
    for (let i = 0; i < 20_000_000; i++) sink += i % 7;
    assert.ok(sink > 0);
    assert.ok(elapsed() > 0, 'a busy loop spends CPU time');
  });
});

describe('LocalBackend CPU time', () => {
  const backend = new LocalBackend({ config: { ...DEFAULT_CONFIG.local, allowRemoteModels: false }, log: memoryLogger(), modelsRoot });
  const signal = new AbortController().signal;

  before(async () => {
    await backend.warmup(['completion'], signal);
  });
  after(() => backend.dispose());

  it('reports the CPU time of a generation in the done chunk', async () => {
    const prompt = 'def add(a, b):\n    total = a + b\n';
    const { done } = await collect(
      backend.generate({ task: 'completion', prompt, maxTokens: 16, temperature: 0, stop: [] }, signal, { ignoreEos: true }),
    );
    assert.ok(done, 'the generation ended with a done chunk');
    assert.equal(done.usage.completionTokens > 0, true);
    const cpuMs = done.usage.cpuMs;
    assert.equal(typeof cpuMs, 'number');
    assert.ok(cpuMs! > 0, `cpuMs = ${cpuMs}`);
  });
});
