/**
 * Converts the bundled completion model to GGUF for llama.cpp (as its MPT architecture; the
 * mapping and why it fits are in server/src/bench/runner/enginesGgufConvert.ts). Weights come
 * from the model's fp32 ONNX file, so no checkpoint or Python is needed.
 *
 *   node --import tsx models/training/convert_gguf.ts [--q8_0] [MODEL_DIR] [OUT.gguf]
 * defaults: models/tandem-complete-mini → reports/tandem-complete-mini-f32.gguf (…-q8_0.gguf with
 * --q8_0: the weight matrices as Q8_0, blocks of 32 int8 with an fp16 scale).
 * (`tandem bench --scenario engines` converts on the fly into a temporary folder.)
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readGgufFile, writeGguf } from '../../server/src/bench/runner/enginesGguf';
import { convertModelDirToGguf } from '../../server/src/bench/runner/enginesGgufConvert';

const root = resolve(__dirname, '..', '..');
const q8 = process.argv.includes('--q8_0');
const [modelArg, outArg] = process.argv.slice(2).filter((arg) => arg !== '--q8_0');
const modelDir = resolve(modelArg ?? join(root, 'models', 'tandem-complete-mini'));
const out = resolve(outArg ?? join(root, 'reports', `tandem-complete-mini-${q8 ? 'q8_0' : 'f32'}.gguf`));
mkdirSync(dirname(out), { recursive: true });
const bytes = writeGguf(out, convertModelDirToGguf(modelDir, { weights: q8 ? 'Q8_0' : 'F32' }));
const header = readGgufFile(out);
console.log(
  `Wrote ${out}: ${(bytes / 2 ** 20).toFixed(1)} MB, GGUF v${header.version}, ${header.tensors.length} tensors, architecture ${String(header.metadata.get('general.architecture'))}, file type ${String(header.metadata.get('general.file_type'))}.`,
);
