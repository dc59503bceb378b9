// @ts-check
/**
 * Runs one onnxruntime session off the event loop. onnxruntime-node computes `session.run`
 * synchronously on the calling thread, so in the server's main thread every batch stalls HTTP
 * parsing for its whole duration; here it runs on a thread of its own while the main thread keeps
 * accepting requests and forming the next batch (bench/results/serve.findings.md, section 5).
 * Plain JavaScript so the same file runs under the TypeScript sources (tests) and from dist/.
 *
 * Protocol (all messages structured-cloned, tensor buffers transferred):
 *   out {type: 'ready', inputs, outputs, nice}      once the session is open (its metadata, this thread's nice value)
 *   out {type: 'failed', message}                   the session could not be opened
 *   in  {id, feeds: WireTensor[], fetches: string[]}
 *   out {id, outputs: WireTensor[], ms}              or {id, error}
 *   in  {type: 'release'}                           frees the session; the worker then exits
 * WireTensor = {name, type, data, dims}.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ortTensor } from './ort-tensor.js';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @param {readonly ort.InferenceSession.ValueMetadata[]} meta */
const plain = (meta) => meta.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));

/** Buffers that can move to the main thread without a copy (onnxruntime may own some outputs' memory). */
function transferable(/** @type {unknown[]} */ outputs) {
  const list = [];
  for (const o of /** @type {{data: unknown}[]} */ (outputs)) {
    if (ArrayBuffer.isView(o.data) && o.data.buffer instanceof ArrayBuffer && o.data.byteOffset === 0 && o.data.byteLength === o.data.buffer.byteLength) list.push(o.data.buffer);
  }
  return list;
}

/**
 * This thread computes at a lower CPU priority than the event loop (`workerData.nice`, from
 * MLSERVICE_INFERENCE_NICE): where the two share a core, the event loop then takes it as soon as a
 * request arrives instead of after the scheduler's slice, so refusals and probes do not wait on a
 * batch. Linux keeps the nice value per thread (setpriority(2) on the caller's own id), and
 * onnxruntime's pool threads, created with the session below, inherit it. Elsewhere the call would
 * renice the whole process, so it is made on Linux only. A sandbox that forbids the call costs the
 * priority, not the model: the thread's actual nice value goes back in `ready` and into the log.
 * Measured in overload.findings.md, section 11.
 */
function lowerPriority(/** @type {number} */ nice) {
  try {
    if (nice > 0 && process.platform === 'linux') setPriority(nice);
    return getPriority();
  } catch {
    return null;
  }
}

/** @type {ort.InferenceSession} */
let session;
try {
  const nice = lowerPriority(workerData.nice ?? 0);
  session = await ort.InferenceSession.create(workerData.file, workerData.options);
  port.postMessage({ type: 'ready', inputs: plain(session.inputMetadata), outputs: plain(session.outputMetadata), nice });
} catch (e) {
  port.postMessage({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
}

port.on('message', async (/** @type {any} */ msg) => {
  if (msg.type === 'release') {
    await session.release();
    process.exit(0); // ends this thread only
  }
  try {
    /** @type {Record<string, ort.Tensor>} */
    const feeds = {};
    for (const f of msg.feeds) feeds[f.name] = ortTensor(f.type, f.data, f.dims);
    const started = performance.now();
    const results = await session.run(feeds, msg.fetches);
    const ms = performance.now() - started;
    const outputs = msg.fetches.map((/** @type {string} */ name) => {
      const t = /** @type {ort.Tensor} */ (results[name]);
      return { name, type: t.type, data: t.data, dims: t.dims };
    });
    try {
      port.postMessage({ id: msg.id, outputs, ms }, transferable(outputs));
    } catch {
      port.postMessage({ id: msg.id, outputs, ms });
    }
  } catch (e) {
    port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
