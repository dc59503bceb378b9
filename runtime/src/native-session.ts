/**
 * onnxruntime-node's native session, called directly on the event-loop thread.
 *
 * onnxruntime-node's `InferenceSession.run` calls its native session inside a `setImmediate`
 * (dist/backend.js of 1.30), so a batch dispatched while the event loop is reading requests starts
 * only when that poll phase ends: under overload, after every other ready socket has been read.
 * Measured with bench:overload (large MLP, 1,024 connections, service on one core, 30 s, two runs
 * each way): a full batch took 57.9-59.6 ms from dispatch to result through `run`, 1.45-1.50 ms
 * called directly; the batch-cost fit that predicts queue waits read a full batch as 7.4-7.7 ms
 * instead of 1.6, so the service refused 3,061-8,725 requests its budget had room for, and answered
 * 94.8-95.5% of the rest within 100 ms of reading them against 100.00% called directly. Below
 * overload it costs a little: at 64 connections batches hold 43 rows instead of 61 (the deferral
 * made each batch cycle two turns long) and the p99 is about a tenth higher, at the same throughput
 * (bench/results/serve.findings.md, section 10).
 *
 * The native `run` is synchronous ("a simple synchronized inference session object wrap",
 * dist/binding.d.ts), so the batch runs when the batcher dispatches it. `dist/binding.js` is the
 * module backend.js itself loads; it is not a documented entry point, so it is checked here and the
 * public API stays the fallback: `openNativeSession` returns null when the binding is not there.
 */
import { createRequire } from 'node:module';
import type * as ort from 'onnxruntime-node';
import type { Binding } from 'onnxruntime-node/dist/binding.js';

interface BindingModule {
  binding: { InferenceSession: Binding.InferenceSessionConstructor };
  initOrt(): void;
}

/** ONNX `TensorProto.DataType` codes (onnx/onnx.proto) of the element types onnxruntime-node reads and writes. */
const ELEMENT_TYPES = new Map<number, ort.Tensor.Type>([
  [1, 'float32'],
  [2, 'uint8'],
  [3, 'int8'],
  [4, 'uint16'],
  [5, 'int16'],
  [6, 'int32'],
  [7, 'int64'],
  [8, 'string'],
  [9, 'bool'],
  [10, 'float16'],
  [11, 'float64'],
  [12, 'uint32'],
  [13, 'uint64'],
  [21, 'uint4'],
  [22, 'int4'],
]);

function loadBinding(): BindingModule | null {
  try {
    const mod = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as Partial<BindingModule>;
    const ctor = mod.binding?.InferenceSession;
    if (typeof ctor !== 'function' || typeof mod.initOrt !== 'function') return null;
    const proto = ctor.prototype as Partial<Binding.InferenceSession>;
    if (typeof proto.loadModel !== 'function' || typeof proto.run !== 'function' || typeof proto.dispose !== 'function') return null;
    return mod as BindingModule;
  } catch {
    return null;
  }
}

const native = loadBinding();

/** Whether this onnxruntime-node has the native session this module calls (else the public API is used). */
export const hasNativeSession = native !== null;

/** The raw metadata in the shape onnxruntime-common gives it: element type names, symbolic dims by name. */
function valueMetadata(raw: readonly Binding.ValueMetadata[]): ort.InferenceSession.ValueMetadata[] {
  return raw.map((m) => {
    if (!m.isTensor) return { name: m.name, isTensor: false };
    const type = ELEMENT_TYPES.get(m.type);
    if (type === undefined) throw new Error(`${m.name} has an element type onnxruntime-node cannot hold (ONNX type ${m.type})`);
    const shape = m.shape.map((d, i) => (d >= 0 ? d : (m.symbolicDimensions[i] ?? '')));
    return { name: m.name, isTensor: true, type, shape };
  });
}

export interface NativeSession {
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Runs the model on this thread now and returns its outputs (throws what onnxruntime throws). */
  run(feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Record<string, ort.Tensor>;
  release(): void;
}

/** Opens `file` with onnxruntime's native session, or returns null when this onnxruntime-node has none. */
export function openNativeSession(file: string, options: ort.InferenceSession.SessionOptions): NativeSession | null {
  if (native === null) return null;
  native.initOrt();
  const session = new native.binding.InferenceSession();
  session.loadModel(file, options);
  const inputMetadata = valueMetadata(session.inputMetadata);
  const outputMetadata = valueMetadata(session.outputMetadata);
  const runOptions = {};
  return {
    inputMetadata,
    outputMetadata,
    run(feeds, fetches) {
      const wanted: Record<string, null> = {};
      for (const name of fetches) wanted[name] = null;
      return session.run(feeds, wanted, runOptions) as Record<string, ort.Tensor>;
    },
    release: () => session.dispose(),
  };
}
