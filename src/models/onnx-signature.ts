/**
 * Reads an ONNX model's graph inputs and outputs (names, element types, shapes) straight from the
 * protobuf wire format. It decodes only the few messages on that path and skips every other field
 * by its length, so weights are never copied: a 500 MB model costs one pass over its top-level
 * fields at sync time, and the generator needs no protobuf runtime dependency.
 * @see https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (field numbers used below)
 * @see https://protobuf.dev/programming-guides/encoding/
 */

export interface ValueSignature {
  name: string;
  /** onnxruntime-node can only feed and return tensors. */
  kind: 'tensor' | 'sequence' | 'map' | 'optional' | 'sparse_tensor' | 'unknown';
  /** ONNX element type name (`float`, `int64`, ...) for tensors. */
  elemType?: string;
  /** One entry per axis: a fixed size, a symbolic name (`batch`), or null when unknown. Absent when the rank is unknown. */
  dims?: Array<number | string | null>;
}

export interface OnnxSignature {
  inputs: ValueSignature[];
  outputs: ValueSignature[];
}

/** TensorProto.DataType names, by number. */
const ELEM_TYPES = ['undefined', 'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'double', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16'];

type Field = { field: number; wire: number; value: number; bytes?: Uint8Array };

/** Iterates the fields of one message; length-delimited values are views, not copies. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('truncated field');
      yield { field, wire, value: len, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > buf.length) throw new Error('truncated fixed field');
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = new TextDecoder('utf-8', { fatal: false });

function dims(shape: Uint8Array): Array<number | string | null> {
  const out: Array<number | string | null> = [];
  for (const f of fields(shape)) {
    if (f.field !== 1 || !f.bytes) continue;
    let dim: number | string | null = null;
    for (const d of fields(f.bytes)) {
      // dim_value is int64; values past 2^53 (e.g. a negative written as 10-byte varint) mean "unknown".
      if (d.field === 1 && d.wire === 0) dim = d.value <= Number.MAX_SAFE_INTEGER ? d.value : null;
      else if (d.field === 2 && d.bytes) dim = text.decode(d.bytes);
    }
    out.push(dim);
  }
  return out;
}

const TYPE_KINDS: Record<number, ValueSignature['kind']> = { 1: 'tensor', 4: 'sequence', 5: 'map', 8: 'sparse_tensor', 9: 'optional' };

function valueInfo(buf: Uint8Array): ValueSignature {
  const sig: ValueSignature = { name: '', kind: 'unknown' };
  for (const f of fields(buf)) {
    if (f.field === 1 && f.bytes) sig.name = text.decode(f.bytes);
    if (f.field !== 2 || !f.bytes) continue;
    for (const t of fields(f.bytes)) {
      if (!t.bytes || !TYPE_KINDS[t.field]) continue;
      sig.kind = TYPE_KINDS[t.field]!;
      if (sig.kind !== 'tensor') continue;
      for (const p of fields(t.bytes)) {
        if (p.field === 1 && p.wire === 0) sig.elemType = ELEM_TYPES[p.value] ?? `type${p.value}`;
        if (p.field === 2 && p.bytes) sig.dims = dims(p.bytes);
      }
    }
  }
  return sig;
}

function tensorName(buf: Uint8Array): string {
  for (const f of fields(buf)) if (f.field === 8 && f.bytes) return text.decode(f.bytes);
  return '';
}

/**
 * The graph's inputs (without initializers, which IR < 4 models also list as inputs) and outputs.
 * Throws an Error with a short reason when the bytes are not an ONNX model.
 */
export function readOnnxSignature(model: Uint8Array): OnnxSignature {
  let graph: Uint8Array | undefined;
  for (const f of fields(model)) if (f.field === 7 && f.bytes) graph = f.bytes;
  if (!graph) throw new Error('no graph in the file (is it an ONNX model?)');
  const inputs: ValueSignature[] = [];
  const outputs: ValueSignature[] = [];
  const initializers = new Set<string>();
  for (const f of fields(graph)) {
    if (!f.bytes) continue;
    if (f.field === 11) inputs.push(valueInfo(f.bytes));
    else if (f.field === 12) outputs.push(valueInfo(f.bytes));
    else if (f.field === 5) initializers.add(tensorName(f.bytes));
  }
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}
