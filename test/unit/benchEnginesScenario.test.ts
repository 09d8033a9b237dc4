/**
 * The engines scenario end to end on a tiny plan (its own file, so its own process: the
 * scenario's Tandem phase starts a model worker thread, and onnxruntime-node aborts the process
 * when one thread runs a session after another thread's sessions ran; see engines.ts).
 * The scenario runs once; the llama.cpp checks are a test of their own, skipped with the reason
 * in the output when `npm run bench:llamacpp` has not installed node-llama-cpp.
 * No timed assertions: timings are only checked to be present and finite.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runEngines } from '../../server/src/bench/runner/engines';
import { importNodeLlamaCpp, NOT_INSTALLED } from '../../server/src/bench/runner/enginesLlamaCppLoad';
import type { EnginesResult } from '../../server/src/bench/runner/enginesTypes';
import { checkSchema, type SchemaNode } from '../../server/src/bench/runner/schemaCheck';
import { summaryRows } from '../../server/src/bench/runner/summary';
import { DEFAULT_CONFIG } from '../../server/src/config';
import { packageRoot } from '../../server/src/packageRoot';

const FIXTURES = join(packageRoot(), 'test', 'fixtures', 'heldout');

let scenario: Promise<EnginesResult> | undefined;
function runOnce(): Promise<EnginesResult> {
  scenario ??= runEngines({
    plan: { promptTokens: [48], outputTokens: 6, runs: 1, warmup: 0, threads: 1, casesPerFile: 1, agreementTokens: 6, followUps: 1 },
    local: DEFAULT_CONFIG.local,
    fixturesDir: FIXTURES,
    signal: new AbortController().signal,
  });
  return scenario;
}

test('engines scenario end to end on a tiny plan, valid against the report schema', async () => {
  const result = await runOnce();
  const llamaInstalled = typeof (await importNodeLlamaCpp()) !== 'string';
  const engines = result.cells.map((c) => `${c.engine} ${c.dtype}`);
  assert.deepEqual(engines, [
    'tandem q8',
    'bare-ort q8',
    'transformers.js q8',
    ...(llamaInstalled ? ['llama.cpp fp32', 'llama.cpp q8'] : []),
  ]);
  for (const cell of result.cells) {
    assert.equal(cell.runs, 1);
    assert.ok(Number.isFinite(cell.ttftMs.p50) && Number.isFinite(cell.tpotMs.p50), cell.engine);
  }
  assert.ok(result.cells.every((c) => c.promptTokens === result.cells[0]!.promptTokens && c.promptTokens <= 48));
  assert.deepEqual(
    result.ratios.map((r) => `${r.engine} ${r.dtype}`),
    engines.filter((e) => !e.startsWith('bare-ort')),
  );
  assert.ok(result.ratios.every((r) => r.tpot !== null && r.tpot > 0));
  assert.ok(result.keystroke && result.keystroke.ratio > 0);
  assert.equal(result.transformersAgreement?.prompts, 12);
  assert.equal(result.transformersAgreement?.agreed, 12, 'same graph, same greedy tokens');
  assert.deepEqual(
    result.quantization?.rows.map((r) => r.dtype),
    ['fp32', 'q8'],
  );
  assert.ok(result.quantization!.rows[1]!.fileMb < result.quantization!.rows[0]!.fileMb);
  assert.ok(result.quantization!.rows.every((r) => r.cases === 12 && r.editSimilarity >= 0 && r.editSimilarity <= 1));
  if (!llamaInstalled) {
    assert.deepEqual(
      result.unavailable.map((u) => u.engine),
      ['llama.cpp'],
    );
    assert.ok(result.unavailable[0]!.reason.startsWith(NOT_INSTALLED), result.unavailable[0]!.reason);
  }

  // The executive summary's engine rows (local column), from this result.
  const rows = summaryRows([], result);
  const row = (prefix: string) => rows.find((r) => r.metric.startsWith(prefix));
  const tandem = result.ratios.find((r) => r.engine === 'tandem')!;
  assert.equal(row('Engines: Tandem path ÷ bare onnxruntime loop, TTFT')?.local, tandem.ttft);
  assert.equal(row('Engines: Tandem path ÷ bare onnxruntime loop, TPOT')?.local, tandem.tpot);
  assert.equal(row('Engines: Tandem path ÷ bare onnxruntime loop, E2E')?.local, tandem.e2e);
  assert.equal(row('Quantization: q8 − fp32 next-line exact match')?.local, 100 * result.quantization!.delta!.exactMatch);
  assert.ok(rows.every((r) => r.offload === null));

  const schema = JSON.parse(
    readFileSync(join(packageRoot(), 'server', 'src', 'bench', 'runner', 'report.schema.json'), 'utf8'),
  ) as SchemaNode;
  const json = JSON.parse(JSON.stringify(result)) as unknown;
  assert.deepEqual(checkSchema(json, { $ref: '#/$defs/engines', $defs: schema.$defs }), []);
});

test('engines scenario: llama.cpp F32 and Q8_0 GGUF measured, agreement against the fp32 ONNX graph', async (t) => {
  const lib = await importNodeLlamaCpp();
  if (typeof lib === 'string') {
    t.skip(lib);
    return;
  }
  const result = await runOnce();
  assert.deepEqual(result.unavailable, []);
  assert.equal(result.gguf?.architecture, 'mpt');
  assert.ok(
    result.gguf!.q8_0Bytes! > 0 && result.gguf!.q8_0Bytes! < result.gguf!.bytes / 3,
    'Q8_0: 34 bytes per 32 weights instead of 128',
  );
  assert.equal(result.llamaCppAgreement?.prompts, 12);
  assert.equal(result.llamaCppQ8Agreement?.prompts, 12);
  assert.deepEqual(
    result.loads.filter((l) => l.engine === 'llama.cpp').map((l) => l.dtype),
    ['fp32', 'q8'],
  );
  const decode = summaryRows([], result).find((r) => r.metric.startsWith('Engines: llama.cpp ÷ bare'));
  const at = (engine: string) => result.cells.find((c) => c.engine === engine && c.dtype === result.dtype)!.decodeTokensPerSecond.p50;
  assert.equal(decode?.local, at('llama.cpp') / at('bare-ort'));
});
