/**
 * Checks a local model directory before transformers.js touches it, so a broken setup gives one
 * sentence naming the path and what is wrong instead of a loader stack trace.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TandemConfig } from '../../config';
import { ModelLoadError } from '../backend';
import { fimFamilyFromFormat, fimFamilyFromTokens } from '../fimDetection';
import type { FimFamily } from '../promptLayout';

type Dtype = TandemConfig['local']['dtype'];

/** transformers.js file-name suffix per dtype (src/utils/dtypes.js DEFAULT_DTYPE_SUFFIX_MAPPING). */
const DTYPE_SUFFIX: Record<Dtype, string> = { q8: '_quantized', fp32: '' };

export interface CheckedModelDirectory {
  /** The dtype whose files exist: the requested one, else the other one. */
  dtype: Dtype;
  encoderDecoder: boolean;
  modelType: string;
  /** Files transformers.js will read, relative to the directory (for load progress). */
  files: string[];
}

export function onnxFileNames(encoderDecoder: boolean, dtype: Dtype): string[] {
  const suffix = DTYPE_SUFFIX[dtype];
  const stems = encoderDecoder ? ['encoder_model', 'decoder_model_merged'] : ['model'];
  return stems.map((stem) => `onnx/${stem}${suffix}.onnx`);
}

export function checkModelDirectory(dir: string, dtype: Dtype): CheckedModelDirectory {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new ModelLoadError(`Model directory "${dir}" does not exist.`, dir);
  if (!stat.isDirectory()) throw new ModelLoadError(`Model path "${dir}" is not a directory.`, dir);

  const config = readJson(dir, 'config.json');
  if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) {
    throw new ModelLoadError(`Model directory "${dir}" has no tokenizer.json.`, dir);
  }
  const encoderDecoder = config.is_encoder_decoder === true;
  // dtype is a preference: a model shipped in one precision only still loads.
  const other: Dtype = dtype === 'q8' ? 'fp32' : 'q8';
  const usable = [dtype, other].find((d) => onnxFileNames(encoderDecoder, d).every((f) => fs.existsSync(path.join(dir, f))));
  if (!usable) {
    const missing = onnxFileNames(encoderDecoder, dtype).find((f) => !fs.existsSync(path.join(dir, f)));
    const present = listOnnx(dir);
    throw new ModelLoadError(
      `Model directory "${dir}" has no ${missing} for dtype ${dtype}` + (present.length ? ` (it has ${present.join(', ')}).` : '.'),
      dir,
    );
  }
  const onnxFiles = onnxFileNames(encoderDecoder, usable);
  for (const file of onnxFiles) {
    const full = path.join(dir, file);
    if (fs.statSync(full).size === 0) throw new ModelLoadError(`Model file "${full}" is empty.`, full);
  }
  const optional = ['generation_config.json', 'tokenizer_config.json'].filter((f) => fs.existsSync(path.join(dir, f)));
  return {
    dtype: usable,
    encoderDecoder,
    modelType: typeof config.model_type === 'string' ? config.model_type : 'unknown',
    files: ['config.json', 'tokenizer.json', ...optional, ...onnxFiles],
  };
}

/**
 * The window a model was trained on, read without loading it (config.json `tandem.trained_context`,
 * else tokenizer_config.json `model_max_length`, else the position table). Undefined if unknown.
 */
export function readTrainedContext(dir: string): number | undefined {
  const config = readJsonIfAny(dir, 'config.json');
  const tokenizer = readJsonIfAny(dir, 'tokenizer_config.json');
  const candidates = [
    (config?.tandem as { trained_context?: unknown } | undefined)?.trained_context,
    tokenizer?.model_max_length,
    config?.n_positions,
    config?.max_position_embeddings,
  ];
  return candidates.find((v): v is number => typeof v === 'number' && v > 0 && v < 1e6);
}

/**
 * The FIM family a model directory declares, read without loading it: config.json
 * `tandem.fim_format` (Tandem's models), else the sentinel spelling its tokenizer has
 * (tokenizer_config.json's special tokens, then tokenizer.json's added tokens and vocabulary).
 * 'none' when the tokenizer has no FIM tokens at all; undefined when there is no tokenizer to
 * read (a hub model not yet downloaded), so the caller can fall back to the model's name.
 */
export function readDeclaredFimFamily(dir: string): FimFamily | undefined {
  const format = (readJsonIfAny(dir, 'config.json')?.tandem as { fim_format?: unknown } | undefined)?.fim_format;
  const declared = typeof format === 'string' ? fimFamilyFromFormat(format) : undefined;
  if (declared) return declared;
  const specials = new Set(stringsIn(readJsonIfAny(dir, 'tokenizer_config.json')));
  const fromConfig = fimFamilyFromTokens((token) => specials.has(token));
  if (fromConfig) return fromConfig;
  const tokenizer = readJsonIfAny(dir, 'tokenizer.json');
  if (!tokenizer) return undefined;
  const added = new Set(stringsIn(tokenizer.added_tokens));
  const inVocab = vocabularyLookup((tokenizer.model as { vocab?: unknown } | undefined)?.vocab);
  return fimFamilyFromTokens((token) => added.has(token) || inVocab(token)) ?? 'none';
}

/** Every string in a JSON value (special-token names, `content` fields), a few levels deep. */
function stringsIn(value: unknown, depth = 3): string[] {
  if (typeof value === 'string') return [value];
  if (depth === 0 || !value || typeof value !== 'object') return [];
  return Object.values(value).flatMap((item) => stringsIn(item, depth - 1));
}

/** Membership in a tokenizer.json vocabulary: BPE/WordPiece `{token: id}`, Unigram `[[token, score]]`. */
function vocabularyLookup(vocab: unknown): (token: string) => boolean {
  if (Array.isArray(vocab)) {
    const pieces = new Set(vocab.map((entry: unknown) => (Array.isArray(entry) ? entry[0] : undefined)));
    return (token) => pieces.has(token);
  }
  if (vocab && typeof vocab === 'object') return (token) => Object.hasOwn(vocab, token);
  return () => false;
}

function readJsonIfAny(dir: string, name: string): Record<string, unknown> | undefined {
  try {
    return readJson(dir, name);
  } catch {
    return undefined;
  }
}

function readJson(dir: string, name: string): Record<string, unknown> {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ModelLoadError(`Model directory "${dir}" has no readable ${name}.`, dir, { cause });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw new ModelLoadError(`Model file "${file}" is not valid JSON.`, file, { cause });
  }
  throw new ModelLoadError(`Model file "${file}" does not hold a JSON object.`, file);
}

function listOnnx(dir: string): string[] {
  try {
    return fs
      .readdirSync(path.join(dir, 'onnx'))
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => `onnx/${f}`);
  } catch {
    return [];
  }
}

/**
 * Turns whatever transformers.js / onnxruntime threw while loading into a ModelLoadError that
 * names the file when the runtime said which one ("Load model from X failed: ...").
 */
export function describeLoadFailure(where: string, error: unknown): ModelLoadError {
  if (error instanceof ModelLoadError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = (raw.split('\n')[0] ?? '').trim();
  const ort = /Load model from (.+?) failed:\s*(.*)$/.exec(firstLine);
  if (ort?.[1]) {
    const reason = ort[2] ? shorten(ort[2]) : 'unknown reason';
    return new ModelLoadError(
      `Model file "${ort[1]}" could not be loaded by onnxruntime (${reason}); it is corrupt or not an ONNX model.`,
      ort[1],
      { cause: error },
    );
  }
  if (/protobuf parsing failed/i.test(firstLine)) {
    // Same failure when onnxruntime was handed a buffer instead of a path: no file name given.
    return new ModelLoadError(
      `A model file in "${where}" could not be loaded by onnxruntime (protobuf parsing failed); it is corrupt or not an ONNX model.`,
      where,
      { cause: error },
    );
  }
  return new ModelLoadError(`Could not load the model at "${where}": ${shorten(firstLine)}.`, where, {
    cause: error,
  });
}

function shorten(text: string): string {
  const clean = text.replace(/\s+/g, ' ').replace(/[.\s]+$/, '');
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}
