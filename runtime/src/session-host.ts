/**
 * Where a model's onnxruntime session runs. `main`: on the event-loop thread, calling onnxruntime's
 * native session at once (native-session.ts; lowest latency, no thread hop per batch); `worker`:
 * on a worker thread of its own, so a batch computes while the event loop parses the next requests
 * (more throughput at high concurrency). The runtime's default, `auto`, picks one per model (model-loader.ts).
 * Both take and give plain tensors (`WireTensor`), so the model code above does not care which.
 */
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ENV } from './names.js';
import { type NativeSession, openNativeSession } from './native-session.js';
import { ortTensor } from './ort-tensor.js';

export type InferenceThread = 'worker' | 'main';

export interface WireTensor {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor['data'];
  dims: readonly number[];
}

export interface SessionHost {
  /** `run` computes the batch before it returns (onnxruntime's native session on this thread). */
  readonly computesInCall: boolean;
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Runs one batch; `ms` is the time spent in onnxruntime's run alone. */
  run(feeds: WireTensor[], fetches: string[]): Promise<{ outputs: WireTensor[]; ms: number }>;
  release(): Promise<void>;
  /** On a worker: that thread's nice value as it reported it (null: it could not tell). */
  readonly nice?: number | null;
}

/** The event-loop thread's session: onnxruntime's native one called directly (native-session.ts), else the public API. */
class MainThreadSession implements SessionHost {
  constructor(
    private readonly session: NativeSession | ort.InferenceSession,
    readonly computesInCall: boolean,
  ) {}

  get inputMetadata() {
    return this.session.inputMetadata;
  }

  get outputMetadata() {
    return this.session.outputMetadata;
  }

  async run(feeds: WireTensor[], fetches: string[]): Promise<{ outputs: WireTensor[]; ms: number }> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const f of feeds) tensors[f.name] = ortTensor(f.type, f.data, f.dims);
    const started = performance.now();
    const results = await this.session.run(tensors, fetches);
    const ms = performance.now() - started;
    return { outputs: fetches.map((name) => ({ name, type: results[name]!.type, data: results[name]!.data, dims: results[name]!.dims })), ms };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

interface Pending {
  resolve(r: { outputs: WireTensor[]; ms: number }): void;
  reject(e: Error): void;
}

type Reply = { id: number; outputs: WireTensor[]; ms: number } | { id: number; error: string };

class WorkerSession implements SessionHost {
  readonly computesInCall = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | null = null;
  private releasing = false;

  constructor(
    private readonly worker: Worker,
    readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly nice: number | null,
    onBroken?: (err: Error) => void,
  ) {
    worker.on('message', (msg: Reply) => this.settle(msg));
    const fail = (err: Error) => {
      if (this.broken) return;
      this.broken = err;
      if (!this.releasing) onBroken?.(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inference thread exited (code ${code})`)));
    // Idle, the worker must not keep the process alive; while a batch runs, it must.
    worker.unref();
  }

  run(feeds: WireTensor[], fetches: string[]): Promise<{ outputs: WireTensor[]; ms: number }> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    for (const f of feeds) {
      if (ArrayBuffer.isView(f.data) && f.data.buffer instanceof ArrayBuffer) transfer.push(f.data.buffer);
    }
    return new Promise((resolve, reject) => {
      // The input buffers move to the worker (no copy); they were made for this batch alone.
      this.worker.postMessage({ id, feeds, fetches }, transfer);
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private settle(msg: Reply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in msg) p.reject(new Error(msg.error));
    else p.resolve(msg);
  }

  async release(): Promise<void> {
    if (this.broken) return;
    this.releasing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage({ type: 'release' });
    await exited;
  }
}

type Hello = { type: 'ready'; inputs: ort.InferenceSession.ValueMetadata[]; outputs: ort.InferenceSession.ValueMetadata[]; nice?: number | null } | { type: 'failed'; message: string };

export interface SessionHooks {
  /** The worker thread died outside release() (e.g. out of memory): every later run fails. */
  onBroken?(err: Error): void;
  /** On a worker: the nice value its thread takes before opening the session (session-worker.js; default 0). */
  nice?: number;
  /** Tests only: another worker script speaking the same protocol. */
  workerUrl?: URL;
}

async function openWorkerSession(file: string, options: ort.InferenceSession.SessionOptions, hooks: SessionHooks): Promise<SessionHost> {
  const worker = new Worker(hooks.workerUrl ?? new URL('./session-worker.js', import.meta.url), { workerData: { file, options, nice: hooks.nice ?? 0 } });
  const hello = await new Promise<Hello>((resolve, reject) => {
    const exited = (code: number) => reject(new Error(`the inference thread exited (code ${code}) while opening the model`));
    worker
      .once('error', reject)
      .once('exit', exited)
      .once('message', (msg: Hello) => {
        worker.off('error', reject).off('exit', exited);
        resolve(msg);
      });
  });
  if (hello.type === 'failed') {
    await worker.terminate();
    throw new Error(hello.message);
  }
  return new WorkerSession(worker, hello.inputs, hello.outputs, hello.nice ?? null, hooks.onBroken);
}

/**
 * onnxruntime 1.29+ on Linux sends telemetry to Microsoft (a process event, session and model events,
 * aggregated inference counts and durations, to mobile.events.data.microsoft.com) and keeps a device
 * id and an offline event cache under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, unless
 * ORT_DISABLE_TELEMETRY=1 is set when its environment is created (onnxruntime PR #27379; the
 * variable is in the shipped libonnxruntime.so). An inference service must not call out of the
 * cluster on its own, nor write its home directory (a read-only root filesystem only gets warnings
 * on stderr), so the runtime turns it off before the first session opens, unless the deployment
 * set the variable itself (`ORT_DISABLE_TELEMETRY=0` keeps onnxruntime's default).
 */
export function optOutOfOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (env[ENV.ortTelemetryOff] === undefined) env[ENV.ortTelemetryOff] = '1';
}

export async function openSession(file: string, options: ort.InferenceSession.SessionOptions, thread: InferenceThread, hooks: SessionHooks = {}): Promise<SessionHost> {
  optOutOfOrtTelemetry();
  if (thread === 'worker') return openWorkerSession(file, options, hooks);
  const native = openNativeSession(file, options);
  return native ? new MainThreadSession(native, true) : new MainThreadSession(await ort.InferenceSession.create(file, options), false);
}
