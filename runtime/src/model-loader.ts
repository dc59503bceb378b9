/**
 * Opens one model under `<modelsDir>/<name>`, found by the rules of model-files.ts (an MLflow model
 * directory, a folder holding exactly one `.onnx` file, or `<name>.onnx`). Models are opened from a
 * file path so external weight files next to them resolve.
 */
import { availableParallelism } from 'node:os';
import type * as ort from 'onnxruntime-node';
import { locateModel, ModelLoadError, type MlModel } from './model-files.js';
import { ENV } from './names.js';
import { openSession, type InferenceThread, type SessionHooks } from './session-host.js';
import { splitOutputs, stackRows, zeroRow, type IoSpec } from './tensors.js';
import type { ModelDefinition, ModelOutputRow, ModelRow } from './types.js';

export { locateModel, ModelLoadError };

export interface LoadedModel {
  name: string;
  source: string;
  file: string;
  /** `run_id` from MLmodel, when the model came as an MLflow directory. */
  runId: string | null;
  inputs: IoSpec[];
  /** The tensor outputs requested on every run. */
  outputs: IoSpec[];
  /**
   * Where onnxruntime runs (MLSERVICE_INFERENCE_THREAD) and its intra-op thread count (0 = ORT's
   * default); with `auto`, the measured time of a full batch on the event-loop thread that decided it;
   * on a worker, that thread's nice value (MLSERVICE_INFERENCE_NICE; null if it could not tell).
   */
  runsOn: { thread: InferenceThread; intraOpThreads: number; fullBatchMs?: number; nice?: number | null };
  /** `run` computes the batch before it returns (on the event-loop thread); see BatcherOptions. */
  computesInCall: boolean;
  run(rows: ModelRow[]): Promise<ModelOutputRow[]>;
  release(): Promise<void>;
}

/** `MLSERVICE_INFERENCE_THREAD`: where a model's session runs; `auto` decides per model at load. */
export type InferenceThreadSetting = InferenceThread | 'auto';

/**
 * `auto` (the default) puts a model on a worker thread when one full batch takes longer than this
 * on the event-loop thread, else on the event-loop thread. While a batch runs there no request is
 * read, refused or answered and no probe either: a 45 ms batch gave refusals a p99 of 215-233 ms at
 * twice its rate, against 6.7 ms on a worker (bench/results/overload.findings.md, section 7). Below
 * it the worker's two thread hops per batch (~0.1-0.15 ms) cost more than they free: the large
 * bench MLP (a full batch of 64 rows in 0.9-1.2 ms) keeps the lowest latency on the event-loop thread.
 */
export const AUTO_WORKER_ABOVE_MS = 5;

export function inferenceThread(env: NodeJS.ProcessEnv = process.env): InferenceThreadSetting {
  const v = env[ENV.inferenceThread];
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'main' || v === 'worker') return v;
  throw new ModelLoadError(
    'MODEL.BAD_INFERENCE_THREAD',
    `${ENV.inferenceThread}="${v}" is not "auto", "main" or "worker"`,
    `set ${ENV.inferenceThread} to "auto" (the default: the event-loop thread unless a full batch takes over ${AUTO_WORKER_ABOVE_MS} ms), "main" (the event-loop thread) or "worker" (a thread per model), or unset it`,
  );
}

/**
 * MLflow's `onnx_session_options` mapped onto onnxruntime-node's names. Without a thread count
 * there, two intra-op threads (one on a one-core machine): onnxruntime-node runs `session.run` on
 * the calling thread, which joins the pool, so a batch's matrix maths gets one more core while the
 * event loop waits; more threads than that compete with HTTP for the pod's CPU. ORT's own default
 * (a thread per core of the node, not of the pod's CPU request) is `intra_op_num_threads: 0`.
 * Whenever a session has more than one thread its pool does not spin between runs: spinning
 * threads burn the cores that serve HTTP. Measured in bench/results/serve.findings.md (section 2).
 */
export const DEFAULT_ORT_THREADS = 2;

export function sessionOptions(mlmodel: MlModel | null, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): ort.InferenceSession.SessionOptions {
  const o = mlmodel?.sessionOptions ?? {};
  const levels: Record<number, ort.InferenceSession.SessionOptions['graphOptimizationLevel']> = { 0: 'disabled', 1: 'basic', 2: 'extended', 99: 'all' };
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: Math.min(DEFAULT_ORT_THREADS, cores) };
  if (typeof o.intra_op_num_threads === 'number') options.intraOpNumThreads = o.intra_op_num_threads;
  if (typeof o.inter_op_num_threads === 'number') options.interOpNumThreads = o.inter_op_num_threads;
  if (o.execution_mode === 'sequential' || o.execution_mode === 'parallel') options.executionMode = o.execution_mode;
  if (typeof o.graph_optimization_level === 'number' && levels[o.graph_optimization_level]) options.graphOptimizationLevel = levels[o.graph_optimization_level];
  // Deployment-time tuning wins over the model file: e.g. the pod's CPU limit in cores.
  const threads = env[ENV.ortThreads];
  if (threads !== undefined && threads !== '') {
    if (!/^\d{1,3}$/.test(threads)) {
      throw new ModelLoadError(
        'MODEL.BAD_ORT_THREADS',
        `${ENV.ortThreads}="${threads}" is not a thread count`,
        `set ${ENV.ortThreads} to a whole number (0 = onnxruntime's default, one per core) or unset it`,
      );
    }
    options.intraOpNumThreads = Number(threads);
  }
  if (options.intraOpNumThreads !== 1) options.extra = { session: { intra_op: { allow_spinning: '0' } } };
  return options;
}

function tensorSpecs(meta: readonly ort.InferenceSession.ValueMetadata[]): IoSpec[] {
  return meta.flatMap((m) => (m.isTensor ? [{ name: m.name, type: m.type, dims: [...m.shape.slice(1)] }] : []));
}

/** Picks the outputs to fetch: the declared ones, else all, refusing non-tensor values (ORT-node cannot return them). */
function chooseOutputs(def: ModelDefinition, session: { outputMetadata: readonly ort.InferenceSession.ValueMetadata[] }): IoSpec[] {
  const all = session.outputMetadata;
  const wanted = def.outputs ?? all.map((m) => m.name);
  for (const name of wanted) {
    const meta = all.find((m) => m.name === name);
    if (!meta) {
      throw new ModelLoadError('MODEL.NO_SUCH_OUTPUT', `model "${def.name}" has no output "${name}" (it has: ${all.map((m) => m.name).join(', ')})`, 'fix `outputs:` of this model in mlservice.yaml');
    }
    if (!meta.isTensor) {
      throw new ModelLoadError(
        'MODEL.NON_TENSOR_OUTPUT',
        `model "${def.name}" output "${name}" is not a tensor (e.g. a ZipMap sequence of maps), which onnxruntime-node cannot return`,
        `list only tensor outputs under \`outputs:\` of model "${def.name}" in mlservice.yaml, or export the model without ZipMap (skl2onnx option zipmap=False)`,
      );
    }
  }
  return tensorSpecs(all.filter((m) => wanted.includes(m.name)));
}

export interface LoadOptions {
  /** The model's worker thread died (on a worker only). */
  onBroken?: (err: Error) => void;
  /** Rows of a full batch, which `auto` times (default 1). */
  fullBatchRows?: number;
  /** `auto`'s threshold (default AUTO_WORKER_ABOVE_MS). */
  workerAboveMs?: number;
}

/**
 * `MLSERVICE_INFERENCE_NICE` (default 5): the nice value each inference worker thread takes, so
 * that where it shares a core with the event loop, the event loop gets the core when a request
 * arrives instead of after the batch's scheduler slice. Heavy model (a ~57 ms batch) on a worker,
 * both threads on one core, twice its rate, 20 s runs: p99 of the refusals made on arrival
 * 5.30-5.69 ms at nice 0 (12 runs), 3.41-6.01 at 10 (median 4.75, 7 runs), 3.27-5.74 at 19
 * (median 4.08, 7 runs), and in alternating runs 4.26-4.37 at 5 against 3.41-5.09 at 10 (3 each);
 * 200s per second unchanged (overload.findings.md, sections 11 and 13). When refusals fill the
 * core instead (callers retrying at once: 768 connections on a heavier model, the service alone on
 * one core, test/reliability/overload.test.ts) the worker gets what the kernel's weights leave it
 * (335 at 5 and 110 at 10 against the event loop's 1024): 200s per second 404-447 at 10, 477-645
 * at 5, 722-807 at 0. 5 keeps the refusals' latency of 10 and a third more answers in a storm.
 * Unprivileged, a thread cannot take a lower value back, so this is chosen once, per deployment.
 */
export const DEFAULT_INFERENCE_NICE = 5;

export function inferenceNice(env: NodeJS.ProcessEnv = process.env): number {
  const v = env[ENV.inferenceNice];
  if (v === undefined || v === '') return DEFAULT_INFERENCE_NICE;
  if (!/^(1?[0-9])$/.test(v)) {
    throw new ModelLoadError(
      'MODEL.BAD_INFERENCE_NICE',
      `${ENV.inferenceNice}="${v}" is not a nice value from 0 to 19`,
      `set ${ENV.inferenceNice} to a whole number from 0 (the event loop's own priority) to 19 (the lowest), or unset it for ${DEFAULT_INFERENCE_NICE}`,
    );
  }
  return Number(v);
}

/**
 * Opens the model where MLSERVICE_INFERENCE_THREAD says. With `auto` it opens on the event-loop
 * thread, times a full batch (the fastest of five after one warm-up run) and, when that is over
 * the threshold, closes it there and opens it on a worker thread.
 */
export async function loadModel(def: ModelDefinition, modelsDir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const setting = inferenceThread();
  const hooks = { onBroken: opts.onBroken, nice: inferenceNice() };
  const first = await openModel(def, modelsDir, setting === 'worker' ? 'worker' : 'main', hooks);
  if (setting !== 'auto') return first;
  const fullBatchMs = await timeBatch(first, opts.fullBatchRows ?? 1);
  if (fullBatchMs <= (opts.workerAboveMs ?? AUTO_WORKER_ABOVE_MS)) return { ...first, runsOn: { ...first.runsOn, fullBatchMs } };
  await first.release();
  const moved = await openModel(def, modelsDir, 'worker', hooks);
  return { ...moved, runsOn: { ...moved.runsOn, fullBatchMs } };
}

async function timeBatch(model: LoadedModel, rows: number): Promise<number> {
  const batch = Array.from({ length: Math.max(1, rows) }, () => zeroRow(model.inputs));
  await model.run(batch);
  // The fastest of five: whatever else runs at start-up only adds time (a 1.1 ms batch once timed
  // 5.03 ms as the median of three while the machine was busy), and the model's own cost is the floor.
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await model.run(batch);
    fastest = Math.min(fastest, performance.now() - t0);
  }
  return fastest;
}

async function openModel(def: ModelDefinition, modelsDir: string, thread: InferenceThread, hooks: SessionHooks): Promise<LoadedModel> {
  const { file, mlmodel } = await locateModel(modelsDir, def.name);
  const options = sessionOptions(mlmodel);
  const session = await openSession(file, options, thread, hooks).catch((e: Error) => {
    throw new ModelLoadError('MODEL.LOAD_FAILED', `onnxruntime could not load ${file}: ${e.message}`, 'check that the file is a complete ONNX model and its external weight files sit next to it');
  });
  const inputs = session.inputMetadata.map((m) => {
    if (!m.isTensor) throw new ModelLoadError('MODEL.NON_TENSOR_INPUT', `model "${def.name}" input "${m.name}" is not a tensor`, 'export the model with tensor inputs only');
    return { name: m.name, type: m.type, dims: [...m.shape.slice(1)] };
  });
  const outputs = chooseOutputs(def, session);
  const outputNames = outputs.map((o) => o.name);
  return {
    name: def.name,
    source: def.source,
    file,
    runId: mlmodel?.runId ?? null,
    inputs,
    outputs,
    runsOn: { thread, intraOpThreads: options.intraOpNumThreads ?? 0, ...(thread === 'worker' && { nice: session.nice ?? null }) },
    computesInCall: session.computesInCall,
    async run(rows) {
      const { outputs: results } = await session.run(stackRows(rows, inputs), outputNames);
      return splitOutputs(results, outputNames, rows.length);
    },
    release: () => session.release(),
  };
}

/** Runs each batch size once so the first real request does not pay for allocation (triton#7776). */
export async function warmUp(model: LoadedModel, batchSizes: number[]): Promise<void> {
  const row = zeroRow(model.inputs);
  for (const n of [...new Set(batchSizes)].sort((a, b) => a - b)) {
    await model.run(Array.from({ length: n }, () => row));
  }
}
