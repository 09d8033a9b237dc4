/**
 * Converts the bundled completion model (models/tandem-complete-mini: models/training/gpt.py,
 * exported to ONNX by export_onnx.py) to a GGUF file llama.cpp runs, as its MPT architecture:
 * - pre-LayerNorm blocks with LayerNorm weight + bias (eps 1e-5, torch's default);
 * - fused QKV projection and output projection without biases; MLP up/down without biases,
 *   GELU between. torch uses erf GELU; llama.cpp's CPU GELU (every text architecture of the
 *   release node-llama-cpp 3.21.1 ships, MPT, BLOOM and Falcon included) is the tanh
 *   approximation looked up in an fp16 table, and no GGUF key selects ggml_gelu_erf. Measured:
 *   the greedy output still equals the fp32 ONNX graph's on 30 of 30 held-out prompts;
 * - ALiBi with slopes 2^(-8(i+1)/n_head) (layers.py alibi_slopes) = MPT's max_alibi_bias 8;
 * - LM head tied to the token embedding (no `output.weight`: llama.cpp then reuses token_embd);
 * - byte-level BPE tokenizer = llama.cpp's `gpt2` model with the `gpt-2` pre-tokenizer, the
 *   special tokens as control tokens, and the FIM ids of config.json `tandem.fim_tokens`.
 * Weights come from the fp32 ONNX file's initializers (the repository has no checkpoint):
 * ONNX MatMul weights are [in, out]; ggml wants torch's [out, in] rows (GGUF dims [in, out]).
 * `weights: 'Q8_0'` stores the matrices (embedding and linears) as Q8_0, as llama.cpp's own
 * `convert_hf_to_gguf.py --outtype q8_0` does; LayerNorm vectors stay F32.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GgmlTensorType, GgufFile, GgufTensor, GgufValue } from './enginesGguf';
import { readOnnxGraph, type OnnxGraph, type OnnxTensor } from './enginesOnnxWeights';

interface GptConfigJson {
  model_type?: string;
  vocab_size: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_inner?: number;
  n_positions: number;
  bos_token_id?: number;
  eos_token_id?: number;
  pad_token_id?: number;
  tie_word_embeddings?: boolean;
  tandem?: { position_encoding?: string; fim_tokens?: Record<string, number> };
}

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: Array<string | [string, string]> };
  pre_tokenizer?: { type?: string; use_regex?: boolean } | null;
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
}

/** layers.py: ALiBi slopes start at 2^(-8/n_head), so MPT's max bias is 8. */
export const ALIBI_MAX_BIAS = 8;
/** torch.nn.LayerNorm's default eps (gpt.py builds LayerNorm(n_embd) with no eps). */
export const LAYER_NORM_EPS = 1e-5;

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;

const LINEAR_ROLES: Record<string, string> = {
  'attn/qkv': 'attn_qkv',
  'attn/out': 'attn_output',
  'mlp/up': 'ffn_up',
  'mlp/down': 'ffn_down',
};

/** llama_ftype (llama.h) of the whole file. */
const FILE_TYPE: Record<GgmlTensorType, number> = { F32: 0, Q8_0: 7 };

/** Reads the model directory and returns the GGUF file's content (nothing written yet). */
export function convertModelDirToGguf(modelDir: string, options: { name?: string; weights?: GgmlTensorType } = {}): GgufFile {
  const weights = options.weights ?? 'F32';
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as GptConfigJson;
  const tokenizer = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  checkArchitecture(config, tokenizer);
  const graph = readOnnxGraph(join(modelDir, 'onnx', 'model.onnx'));
  const metadata = metadataOf(config, tokenizer, options.name ?? 'tandem-complete-mini');
  metadata.set('general.file_type', { type: 'u32', value: FILE_TYPE[weights] });
  const tensors = tensorsOf(config, graph).map((t) => (t.dims.length === 2 ? { ...t, type: weights } : t));
  return { metadata, tensors };
}

function checkArchitecture(config: GptConfigJson, tokenizer: TokenizerJson): void {
  const problems: string[] = [];
  if (config.model_type !== 'gpt2') problems.push(`model_type ${config.model_type} (want gpt2)`);
  if (config.tandem?.position_encoding !== 'alibi') problems.push('position encoding is not ALiBi');
  if (config.tie_word_embeddings === false) problems.push('LM head not tied');
  if (tokenizer.model.type !== 'BPE' || tokenizer.pre_tokenizer?.type !== 'ByteLevel') problems.push('tokenizer is not byte-level BPE');
  if (problems.length > 0) throw new Error(`Not the architecture this converter handles: ${problems.join('; ')}.`);
}

function metadataOf(config: GptConfigJson, tokenizer: TokenizerJson, name: string): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>();
  const u32 = (key: string, value: number) => m.set(key, { type: 'u32', value });
  const f32 = (key: string, value: number) => m.set(key, { type: 'f32', value });
  const str = (key: string, value: string) => m.set(key, { type: 'string', value });
  str('general.architecture', 'mpt');
  str('general.name', name);
  u32('general.alignment', 32);
  u32('mpt.context_length', config.n_positions);
  u32('mpt.embedding_length', config.n_embd);
  u32('mpt.block_count', config.n_layer);
  u32('mpt.feed_forward_length', config.n_inner ?? 4 * config.n_embd);
  u32('mpt.attention.head_count', config.n_head);
  u32('mpt.attention.head_count_kv', config.n_head);
  f32('mpt.attention.layer_norm_epsilon', LAYER_NORM_EPS);
  f32('mpt.attention.max_alibi_bias', ALIBI_MAX_BIAS);

  const tokens = new Array<string>(config.vocab_size);
  for (const [piece, id] of Object.entries(tokenizer.model.vocab)) tokens[id] = piece;
  const special = new Set((tokenizer.added_tokens ?? []).filter((t) => t.special !== false).map((t) => t.id));
  for (const t of tokenizer.added_tokens ?? []) tokens[t.id] = t.content;
  const missing = tokens.findIndex((t) => t === undefined);
  if (missing >= 0 || tokens.length !== config.vocab_size) throw new Error(`Tokenizer has no token for id ${missing}.`);
  str('tokenizer.ggml.model', 'gpt2');
  str('tokenizer.ggml.pre', 'gpt-2');
  m.set('tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens });
  m.set('tokenizer.ggml.token_type', {
    type: 'array',
    itemType: 'i32',
    value: tokens.map((_, id) => (special.has(id) ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL)),
  });
  m.set('tokenizer.ggml.merges', {
    type: 'array',
    itemType: 'string',
    value: tokenizer.model.merges.map((merge) => (Array.isArray(merge) ? merge.join(' ') : merge)),
  });
  u32('tokenizer.ggml.bos_token_id', config.bos_token_id ?? 0);
  u32('tokenizer.ggml.eos_token_id', config.eos_token_id ?? 0);
  if (config.pad_token_id !== undefined) u32('tokenizer.ggml.padding_token_id', config.pad_token_id);
  m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: false });
  m.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: false });
  const fim = config.tandem?.fim_tokens ?? {};
  const fimIds: Array<[string, string]> = [
    ['<fim_prefix>', 'fim_pre'],
    ['<fim_suffix>', 'fim_suf'],
    ['<fim_middle>', 'fim_mid'],
  ];
  for (const [token, key] of fimIds) {
    const id = fim[token];
    if (id !== undefined) u32(`tokenizer.ggml.${key}_token_id`, id);
  }
  return m;
}

function tensorsOf(config: GptConfigJson, graph: OnnxGraph): GgufTensor[] {
  const init = (name: string): OnnxTensor & { data: Float32Array } => {
    const tensor = graph.initializers.get(name);
    if (!tensor?.data) throw new Error(`The ONNX file has no fp32 initializer ${name}.`);
    return tensor as OnnxTensor & { data: Float32Array };
  };
  const vector = (ggufName: string, onnxName: string): GgufTensor => {
    const t = init(onnxName);
    return { name: ggufName, dims: [t.data.length], data: t.data };
  };
  const linears = new Map<string, OnnxTensor & { data: Float32Array }>();
  for (const node of graph.nodes) {
    const match = /^\/blocks\.(\d+)\/(attn\/qkv|attn\/out|mlp\/up|mlp\/down)\/MatMul$/.exec(node.name);
    const weight = node.inputs[1];
    if (match && weight) linears.set(`blk.${match[1]}.${LINEAR_ROLES[match[2] as string]}.weight`, init(weight));
  }
  const embedding = init('m.wte.weight');
  if (embedding.dims[0] !== config.vocab_size || embedding.dims[1] !== config.n_embd)
    throw new Error(`Embedding is ${embedding.dims.join('x')}, config says ${config.vocab_size}x${config.n_embd}.`);
  const tensors: GgufTensor[] = [{ name: 'token_embd.weight', dims: [config.n_embd, config.vocab_size], data: embedding.data }];
  for (let i = 0; i < config.n_layer; i++) {
    tensors.push(
      vector(`blk.${i}.attn_norm.weight`, `m.blocks.${i}.ln1.weight`),
      vector(`blk.${i}.attn_norm.bias`, `m.blocks.${i}.ln1.bias`),
    );
    for (const role of ['attn_qkv', 'attn_output']) tensors.push(linearTensor(`blk.${i}.${role}.weight`, linears));
    tensors.push(
      vector(`blk.${i}.ffn_norm.weight`, `m.blocks.${i}.ln2.weight`),
      vector(`blk.${i}.ffn_norm.bias`, `m.blocks.${i}.ln2.bias`),
    );
    for (const role of ['ffn_up', 'ffn_down']) tensors.push(linearTensor(`blk.${i}.${role}.weight`, linears));
  }
  tensors.push(vector('output_norm.weight', 'm.ln_f.weight'), vector('output_norm.bias', 'm.ln_f.bias'));
  return tensors;
}

/** ONNX [in, out] → torch/ggml rows [out][in], GGUF dims [in, out]. */
function linearTensor(name: string, linears: Map<string, OnnxTensor & { data: Float32Array }>): GgufTensor {
  const t = linears.get(name);
  if (!t) throw new Error(`No MatMul weight found in the ONNX graph for ${name}.`);
  const [inDim, outDim] = t.dims as [number, number];
  return { name, dims: [inDim, outDim], data: transpose(t.data, inDim, outDim) };
}

export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}
