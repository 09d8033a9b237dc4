// Checks the exported models through the real Node loading path (transformers.js 3.8.1 +
// onnxruntime-node): tokenizer ids equal the Python tokenizer's, encode/decode round-trips code,
// and greedy generation reproduces the PyTorch greedy tokens (fp32 exactly; q8 is reported).
//
//   node models/training/verify_node.mjs <models dir> <work dir with *_metrics.json>
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, AutoModelForCausalLM, AutoModelForSeq2SeqLM, Tensor, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';

const [modelsDir = 'models', workDir = '/tmp/tandem-train'] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = path.resolve(modelsDir) + '/';

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}
// Lets onnxruntime fold the int8 weights' DequantizeLinear nodes at load (see the model cards).
const sessionOptions = { extra: { session: { disable_quant_qdq: '1' } } };
const same = (a, b) => a.length === b.length && a.every((x, i) => Number(x) === Number(b[i]));

const roundTrip = [
  'def f(x):\n\tif x > 1:\n        return "héllo, wörld ✓ 日本語"  # comment\n\n\n',
  'export const π = (a: number): string => `${a}`;\r\n  // trailing   spaces   \n',
  '<fim_prefix>const a = 1;\n<fim_suffix>\n}<fim_middle>',
];

async function checkTokenizer(name) {
  const tok = await AutoTokenizer.from_pretrained(name);
  for (const text of roundTrip) {
    const ids = tok.encode(text, { add_special_tokens: false });
    check(tok.decode(ids) === text, `${name}: round-trip ${JSON.stringify(text.slice(0, 30))}`);
  }
  const ids = tok.encode('<fim_prefix><fim_suffix><fim_middle><|endoftext|><pad>', { add_special_tokens: false });
  check(same(ids, [1, 3, 2, 0, 4]), `${name}: special token ids ${ids}`);
  return tok;
}

async function checkCompletion(metrics) {
  const name = 'tandem-complete-mini';
  const tok = await checkTokenizer(name);
  for (const dtype of ['fp32', 'q8']) {
    if (!existsSync(path.join(modelsDir, name, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx'))) continue;
    const model = await AutoModelForCausalLM.from_pretrained(name, { dtype, session_options: sessionOptions });
    let agree = 0;
    for (const g of metrics.golden) {
      const ids = tok.encode(g.prompt, { add_special_tokens: false });
      if (dtype === 'fp32') check(same(ids, g.prompt_ids), `${name}: prompt ids equal Python's for ${JSON.stringify(g.prompt.slice(0, 25))}`);
      const inputs = tok(g.prompt, { add_special_tokens: false });
      const out = await model.generate({ ...inputs, max_new_tokens: g.generated_ids.length || 1, do_sample: false });
      const gen = Array.from(out.tolist()[0].slice(ids.length), Number);
      const ok = same(gen.slice(0, g.generated_ids.length), g.generated_ids);
      agree += ok ? 1 : 0;
      if (dtype === 'fp32') check(ok, `${name} fp32 greedy equals PyTorch: ${JSON.stringify(tok.decode(gen))}`);
    }
    if (dtype === 'q8') console.log(`info ${name} q8: ${agree}/${metrics.golden.length} greedy outputs identical to fp32 PyTorch`);
    await model.dispose();
  }
}

async function checkExplanation(metrics) {
  const name = 'tandem-explain-mini';
  const tok = await checkTokenizer(name);
  for (const dtype of ['fp32', 'q8']) {
    if (!existsSync(path.join(modelsDir, name, 'onnx', dtype === 'q8' ? 'encoder_model_quantized.onnx' : 'encoder_model.onnx'))) continue;
    const model = await AutoModelForSeq2SeqLM.from_pretrained(name, { dtype, session_options: sessionOptions });
    let agree = 0;
    for (const g of metrics.golden) {
      const ids = tok.encode(g.code, { add_special_tokens: false }).slice(0, g.prompt_ids.length);
      check(same(ids, g.prompt_ids), `${name}: source ids equal Python's`);
      const input_ids = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
      const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
      const out = await model.generate({ input_ids, attention_mask, max_new_tokens: 24, do_sample: false });
      const gen = Array.from(out.tolist()[0].slice(1), Number).filter((x) => x !== 0);
      const ok = same(gen.slice(0, g.generated_ids.length), g.generated_ids);
      agree += ok ? 1 : 0;
      if (dtype === 'fp32') check(ok, `${name} fp32 greedy equals PyTorch: ${JSON.stringify(tok.decode(gen))}`);
    }
    if (dtype === 'q8') console.log(`info ${name} q8: ${agree}/${metrics.golden.length} greedy outputs identical to fp32 PyTorch`);
    await model.dispose();
  }
}


// KV-cache check straight on onnxruntime-node: the last position's logits computed with a
// cache (prefix run with an empty past, then one token with the returned present.*) must equal
// the logits of one uncached run over the whole sequence.
const i64 = (arr) => new ort.Tensor('int64', BigInt64Array.from(arr.map(BigInt)), [1, arr.length]);
const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
function emptyPast(session, heads, headDim) {
  const feeds = {};
  for (const n of session.inputNames) if (n.startsWith('past_key_values')) feeds[n] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
  return feeds;
}
function pastFrom(out) {
  const feeds = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith('present')) feeds[k.replace('present', 'past_key_values')] = v;
  return feeds;
}
function lastRow(t) {
  const v = t.dims[2];
  return t.data.slice(t.data.length - v);
}
async function checkCacheCompletion(dir, file) {
  const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const s = await ort.InferenceSession.create(path.join(dir, 'onnx', file));
  const ids = [17, 300, 41, 9, 1000, 77, 12];
  const hd = cfg.n_embd / cfg.n_head;
  const full = await s.run({ input_ids: i64(ids), attention_mask: i64(ids.map(() => 1)), ...emptyPast(s, cfg.n_head, hd) });
  const first = await s.run({ input_ids: i64(ids.slice(0, -2)), attention_mask: i64(ids.slice(0, -2).map(() => 1)), ...emptyPast(s, cfg.n_head, hd) });
  const second = await s.run({ input_ids: i64(ids.slice(-2, -1)), attention_mask: i64(ids.slice(0, -1).map(() => 1)), ...pastFrom(first) });
  const third = await s.run({ input_ids: i64(ids.slice(-1)), attention_mask: i64(ids.map(() => 1)), ...pastFrom(second) });
  const d = maxDiff(lastRow(full.logits), lastRow(third.logits));
  check(d < 1e-3 && third['present.0.key'].dims[2] === ids.length, `${file}: cached logits equal uncached (max diff ${d.toExponential(2)}, cache length ${third['present.0.key'].dims[2]})`);
}
async function checkCacheExplain(dir, suffix) {
  const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const enc = await ort.InferenceSession.create(path.join(dir, 'onnx', `encoder_model${suffix}.onnx`));
  const dec = await ort.InferenceSession.create(path.join(dir, 'onnx', `decoder_model_merged${suffix}.onnx`));
  const src = [17, 300, 41, 9, 1000, 77, 12, 5, 6];
  const mask = i64(src.map(() => 1));
  const { last_hidden_state } = await enc.run({ input_ids: i64(src), attention_mask: mask });
  const tgt = [4, 50, 60, 70];
  const base = { encoder_attention_mask: mask, encoder_hidden_states: last_hidden_state };
  const full = await dec.run({ input_ids: i64(tgt), ...base, ...emptyPast(dec, cfg.num_heads, cfg.d_kv) });
  let out = await dec.run({ input_ids: i64(tgt.slice(0, 1)), ...base, ...emptyPast(dec, cfg.num_heads, cfg.d_kv) });
  for (let i = 1; i < tgt.length; i++) out = await dec.run({ input_ids: i64(tgt.slice(i, i + 1)), ...base, ...pastFrom(out) });
  const d = maxDiff(lastRow(full.logits), lastRow(out.logits));
  check(d < 1e-3 && out['present.0.decoder.key'].dims[2] === tgt.length, `decoder_model_merged${suffix}: cached logits equal uncached (max diff ${d.toExponential(2)})`);
}

const which = process.argv[4] ?? 'both';
const present = (name, file) => existsSync(path.join(modelsDir, name, 'onnx', file));
if (which !== 's2s') for (const f of ['model.onnx', 'model_quantized.onnx']) if (present('tandem-complete-mini', f)) await checkCacheCompletion(path.join(modelsDir, 'tandem-complete-mini'), f);
if (which !== 'lm') for (const s of ['', '_quantized']) if (present('tandem-explain-mini', `encoder_model${s}.onnx`)) await checkCacheExplain(path.join(modelsDir, 'tandem-explain-mini'), s);
if (which !== 's2s') await checkCompletion(JSON.parse(readFileSync(path.join(workDir, 'lm_metrics.json'), 'utf8')));
if (which !== 'lm') await checkExplanation(JSON.parse(readFileSync(path.join(workDir, 's2s_metrics.json'), 'utf8')));
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
