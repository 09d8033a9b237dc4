/**
 * A GGUF v3 writer (and a header reader, for tests and sanity checks): the file format
 * llama.cpp loads. Layout (ggml/docs/gguf.md): magic "GGUF", version u32, tensor count u64,
 * metadata count u64; metadata as key (u64 length + UTF-8) + type u32 + value; tensor infos as
 * name + n_dims u32 + dims u64 (ggml order: innermost first) + type u32 + offset u64; then the
 * tensor data, each tensor aligned to `general.alignment` (32 by default). Little-endian.
 * Only what the converter needs: F32 and Q8_0 tensors, scalar and array metadata.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** gguf_type (ggml/include/gguf.h). */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** ggml_type of a tensor: only F32 and Q8_0 are written here. */
export const GGML_TYPE_F32 = 0;
export const GGML_TYPE_Q8_0 = 8;
/** Q8_0 (ggml-common.h block_q8_0): blocks of 32 values along a row, an fp16 scale + 32 int8. */
export const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

export type GgmlTensorType = 'F32' | 'Q8_0';
const GGML_TYPE_CODE: Record<GgmlTensorType, number> = { F32: GGML_TYPE_F32, Q8_0: GGML_TYPE_Q8_0 };

export type GgufScalarType = 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64';
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'string'; value: string[] }
  | { type: 'array'; itemType: 'i32' | 'f32' | 'u32'; value: number[] };

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: number[];
  data: Float32Array;
  /** How the values are stored in the file (default F32; Q8_0 needs dims[0] divisible by 32). */
  type?: GgmlTensorType;
}

export interface GgufFile {
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
}

const SCALAR_CODE: Record<GgufScalarType, number> = {
  u32: GgufType.UINT32,
  i32: GgufType.INT32,
  f32: GgufType.FLOAT32,
  bool: GgufType.BOOL,
  string: GgufType.STRING,
  u64: GgufType.UINT64,
};

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buffer.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buffer.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buffer.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buffer.writeUInt8(v, this.length);
    this.length += 1;
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.ensure(padding);
    this.buffer.fill(0, this.length, this.length + padding);
    this.length += padding;
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeScalar(w: ByteWriter, type: GgufScalarType, value: number | boolean | string): void {
  if (type === 'u32') w.u32(value as number);
  else if (type === 'i32') w.i32(value as number);
  else if (type === 'f32') w.f32(value as number);
  else if (type === 'u64') w.u64(value as number);
  else if (type === 'bool') w.u8(value ? 1 : 0);
  else w.string(value as string);
}

/** The header (metadata + tensor infos, padded): everything before the tensor data. */
export function encodeGgufHeader(file: GgufFile): Buffer {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(file.tensors.length);
  w.u64(file.metadata.size);
  for (const [key, entry] of file.metadata) {
    w.string(key);
    if (entry.type === 'array') {
      w.u32(GgufType.ARRAY);
      w.u32(SCALAR_CODE[entry.itemType]);
      w.u64(entry.value.length);
      for (const item of entry.value) writeScalar(w, entry.itemType, item);
    } else {
      w.u32(SCALAR_CODE[entry.type]);
      writeScalar(w, entry.type, entry.value);
    }
  }
  let offset = 0;
  for (const tensor of file.tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length)
      throw new Error(`GGUF tensor ${tensor.name}: dims ${tensor.dims.join('x')} but ${tensor.data.length} values.`);
    w.string(tensor.name);
    w.u32(tensor.dims.length);
    for (const d of tensor.dims) w.u64(d);
    w.u32(GGML_TYPE_CODE[tensor.type ?? 'F32']);
    w.u64(offset);
    offset += alignUp(storedBytes(tensor), GGUF_ALIGNMENT);
  }
  w.pad(GGUF_ALIGNMENT);
  return w.bytes();
}

export function writeGguf(path: string, file: GgufFile): number {
  const fd = openSync(path, 'w');
  try {
    let written = writeSync(fd, encodeGgufHeader(file));
    for (const tensor of file.tensors) {
      const data =
        tensor.type === 'Q8_0'
          ? quantizeQ8_0(tensor.data)
          : Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      written += writeSync(fd, data);
      const padding = alignUp(data.length, GGUF_ALIGNMENT) - data.length;
      if (padding > 0) written += writeSync(fd, Buffer.alloc(padding));
    }
    return written;
  } finally {
    closeSync(fd);
  }
}

function storedBytes(tensor: GgufTensor): number {
  if (tensor.type !== 'Q8_0') return tensor.data.byteLength;
  if ((tensor.dims[0] as number) % Q8_0_BLOCK !== 0)
    throw new Error(`GGUF tensor ${tensor.name}: rows of ${tensor.dims[0]} values do not split into Q8_0 blocks of ${Q8_0_BLOCK}.`);
  return (tensor.data.length / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
}

/** ggml's quantize_row_q8_0_ref: per block d = max|x| / 127 (stored as fp16), q = round(x / d). */
export function quantizeQ8_0(values: Float32Array): Buffer {
  if (values.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${values.length}.`);
  const out = Buffer.alloc((values.length / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES);
  for (let block = 0, at = 0; block < values.length; block += Q8_0_BLOCK, at += Q8_0_BLOCK_BYTES) {
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[block + i] as number));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    out.writeUInt16LE(f32ToF16Bits(d), at);
    // roundf rounds halves away from zero; Math.round rounds them up.
    for (let i = 0; i < Q8_0_BLOCK; i++) out.writeInt8(roundHalfAway(Math.fround((values[block + i] as number) * id)), at + 2 + i);
  }
  return out;
}

/** The values a Q8_0 buffer stands for (d × q, with d read back from fp16). */
export function dequantizeQ8_0(bytes: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let block = 0, at = 0; block < count; block += Q8_0_BLOCK, at += Q8_0_BLOCK_BYTES) {
    const d = f16BitsToF32(bytes.readUInt16LE(at));
    for (let i = 0; i < Q8_0_BLOCK; i++) out[block + i] = d * bytes.readInt8(at + 2 + i);
  }
  return out;
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32, rounded to nearest even (ggml's FP32_TO_FP16). */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, unknown>;
  tensors: GgufTensorInfo[];
  /** Where the tensor data starts in the file. */
  dataOffset: number;
}

/** Parses a GGUF header (from a buffer holding at least the header). */
export function decodeGgufHeader(bytes: Buffer): GgufHeader {
  let pos = 0;
  const u32 = () => {
    const v = bytes.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(bytes.readBigUInt64LE(pos));
    pos += 8;
    return v;
  };
  const str = () => {
    const length = u64();
    const s = bytes.toString('utf8', pos, pos + length);
    pos += length;
    return s;
  };
  const value = (type: number): unknown => {
    switch (type) {
      case GgufType.UINT8:
        return bytes.readUInt8(pos++);
      case GgufType.INT8:
        return bytes.readInt8(pos++);
      case GgufType.BOOL:
        return bytes.readUInt8(pos++) !== 0;
      case GgufType.UINT16: {
        const v = bytes.readUInt16LE(pos);
        pos += 2;
        return v;
      }
      case GgufType.INT16: {
        const v = bytes.readInt16LE(pos);
        pos += 2;
        return v;
      }
      case GgufType.UINT32:
        return u32();
      case GgufType.INT32: {
        const v = bytes.readInt32LE(pos);
        pos += 4;
        return v;
      }
      case GgufType.FLOAT32: {
        const v = bytes.readFloatLE(pos);
        pos += 4;
        return v;
      }
      case GgufType.UINT64:
      case GgufType.INT64:
        return u64();
      case GgufType.FLOAT64: {
        const v = bytes.readDoubleLE(pos);
        pos += 8;
        return v;
      }
      case GgufType.STRING:
        return str();
      case GgufType.ARRAY: {
        const itemType = u32();
        const count = u64();
        return Array.from({ length: count }, () => value(itemType));
      }
      default:
        throw new Error(`Unknown GGUF value type ${type} at byte ${pos}.`);
    }
  };
  if (u32() !== GGUF_MAGIC) throw new Error('Not a GGUF file (bad magic).');
  const version = u32();
  const tensorCount = u64();
  const metadataCount = u64();
  const metadata = new Map<string, unknown>();
  for (let i = 0; i < metadataCount; i++) {
    const key = str();
    metadata.set(key, value(u32()));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = typeof metadata.get('general.alignment') === 'number' ? (metadata.get('general.alignment') as number) : GGUF_ALIGNMENT;
  return { version, metadata, tensors, dataOffset: alignUp(pos, alignment) };
}

/** Reads the header of a GGUF file on disk (and one tensor's values, when asked). */
export function readGgufFile(path: string, maxHeaderBytes = 1 << 24): GgufHeader {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxHeaderBytes);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return decodeGgufHeader(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

export function readGgufTensor(path: string, header: GgufHeader, name: string): Float32Array {
  const info = header.tensors.find((t) => t.name === name);
  if (!info) throw new Error(`No tensor ${name} in ${path}.`);
  if (info.type !== GGML_TYPE_F32 && info.type !== GGML_TYPE_Q8_0) throw new Error(`Tensor ${name} is neither F32 nor Q8_0.`);
  const count = info.dims.reduce((a, b) => a * b, 1);
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(info.type === GGML_TYPE_Q8_0 ? (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES : count * 4);
    readSync(fd, buffer, 0, buffer.length, header.dataOffset + info.offset);
    if (info.type === GGML_TYPE_Q8_0) return dequantizeQ8_0(buffer, count);
    return new Float32Array(buffer.buffer, buffer.byteOffset, count);
  } finally {
    closeSync(fd);
  }
}
