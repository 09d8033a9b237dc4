/**
 * Memory of one ONNX model file measured in a fresh Node process, so what earlier engines left
 * allocated in the bench process does not blur the q8 / fp32 comparison: RSS after creating the
 * session with the product's options and running one prefill step, minus RSS before.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { productSessionOptions } from './enginesBareLoop';

const CHILD_SCRIPT = `
const ort = require(process.argv[1]);
const [file, options, nLayer, nHead, headDim] = [process.argv[2], JSON.parse(process.argv[3]), +process.argv[4], +process.argv[5], +process.argv[6]];
(async () => {
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const session = await ort.InferenceSession.create(file, options);
  const loadMs = performance.now() - started;
  const feeds = { input_ids: new ort.Tensor('int64', new BigInt64Array(16).fill(10n), [1, 16]), attention_mask: new ort.Tensor('int64', new BigInt64Array(16).fill(1n), [1, 16]) };
  for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) feeds['past_key_values.' + i + '.' + kv] = new ort.Tensor('float32', new Float32Array(0), [1, nHead, 0, headDim]);
  await session.run(feeds);
  process.stdout.write(JSON.stringify({ loadMs, rssDeltaMb: (process.memoryUsage().rss - before) / 2 ** 20 }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

export interface ChildMemory {
  loadMs: number;
  rssDeltaMb: number;
}

export function measureSessionMemory(
  file: string,
  threads: number,
  shape: { nLayer: number; nHead: number; headDim: number },
): Promise<ChildMemory> {
  const ortPath = createRequire(__filename).resolve('onnxruntime-node');
  const args = [
    '-e',
    CHILD_SCRIPT,
    ortPath,
    file,
    JSON.stringify(productSessionOptions(threads)),
    String(shape.nLayer),
    String(shape.nHead),
    String(shape.headDim),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`Memory probe of ${file} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as ChildMemory);
    });
  });
}
