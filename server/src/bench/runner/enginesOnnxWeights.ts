/**
 * Reads the weights (initializers) and the node list out of an .onnx file without an ONNX
 * library: the file is a protobuf ModelProto, and the handful of fields needed here (graph →
 * node, initializer; tensor → dims, data_type, name, raw_data / float_data) are decoded by a
 * 40-line wire-format reader. The GGUF converter uses it to get the fp32 weights of the bundled
 * model, which ships only as ONNX (no training checkpoint in the repository).
 * Field numbers: onnx/onnx.proto (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto.input = 1, output = 2, name = 3, op_type = 4; TensorProto.dims = 1, data_type = 2,
 * float_data = 4, name = 8, raw_data = 9).
 */
import { readFileSync } from 'node:fs';

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** ONNX TensorProto.DataType (1 = FLOAT). */
  dataType: number;
  /** FLOAT tensors only (other types are listed but not decoded). */
  data?: Float32Array;
}

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
}

export interface OnnxGraph {
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

const FLOAT = 1;

export function readOnnxGraph(file: string): OnnxGraph {
  return parseOnnxModel(readFileSync(file));
}

export function parseOnnxModel(bytes: Uint8Array): OnnxGraph {
  const graph = fieldsOf(bytes).find((f) => f.field === 7 && f.bytes);
  if (!graph?.bytes) throw new Error('Not an ONNX model: no graph (ModelProto field 7).');
  const initializers = new Map<string, OnnxTensor>();
  const nodes: OnnxNode[] = [];
  for (const f of fieldsOf(graph.bytes)) {
    if (f.field === 5 && f.bytes) {
      const tensor = parseTensor(f.bytes);
      initializers.set(tensor.name, tensor);
    } else if (f.field === 1 && f.bytes) {
      nodes.push(parseNode(f.bytes));
    }
  }
  return { initializers, nodes };
}

function parseTensor(bytes: Uint8Array): OnnxTensor {
  const dims: number[] = [];
  let name = '';
  let dataType = 0;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  for (const f of fieldsOf(bytes)) {
    if (f.field === 1) {
      if (f.bytes) dims.push(...packedVarints(f.bytes));
      else dims.push(Number(f.varint));
    } else if (f.field === 2) dataType = Number(f.varint);
    else if (f.field === 8 && f.bytes) name = new TextDecoder().decode(f.bytes);
    else if (f.field === 9 && f.bytes) raw = f.bytes;
    else if (f.field === 4) {
      if (f.bytes) floats.push(...littleEndianFloats(f.bytes));
      else if (f.fixed32 !== undefined) floats.push(f.fixed32);
    }
  }
  const tensor: OnnxTensor = { name, dims, dataType };
  if (dataType === FLOAT) tensor.data = raw ? littleEndianFloats(raw) : Float32Array.from(floats);
  return tensor;
}

function parseNode(bytes: Uint8Array): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', inputs: [], outputs: [] };
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  for (const f of fieldsOf(bytes)) {
    if (!f.bytes) continue;
    if (f.field === 1) node.inputs.push(text(f.bytes));
    else if (f.field === 2) node.outputs.push(text(f.bytes));
    else if (f.field === 3) node.name = text(f.bytes);
    else if (f.field === 4) node.opType = text(f.bytes);
  }
  return node;
}

function littleEndianFloats(bytes: Uint8Array): Float32Array {
  // Copy: the slice of the file is not 4-byte aligned in general.
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

interface WireField {
  field: number;
  varint?: bigint;
  bytes?: Uint8Array;
  fixed32?: number;
}

/** The top-level fields of one protobuf message (wire types 0, 1, 2, 5). */
export function fieldsOf(bytes: Uint8Array): WireField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('Truncated protobuf varint.');
      const byte = bytes[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, varint: varint() });
    else if (wire === 1) {
      pos += 8;
      fields.push({ field });
    } else if (wire === 2) {
      const length = Number(varint());
      if (pos + length > bytes.length) throw new Error('Truncated protobuf field.');
      fields.push({ field, bytes: bytes.subarray(pos, pos + length) });
      pos += length;
    } else if (wire === 5) {
      fields.push({ field, fixed32: view.getFloat32(pos, true) });
      pos += 4;
    } else throw new Error(`Unsupported protobuf wire type ${wire}.`);
  }
  return fields;
}

function packedVarints(bytes: Uint8Array): number[] {
  const values: number[] = [];
  let value = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    value |= BigInt(byte & 0x7f) << shift;
    if (byte & 0x80) shift += 7n;
    else {
      values.push(Number(value));
      value = 0n;
      shift = 0n;
    }
  }
  return values;
}
