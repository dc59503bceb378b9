// Preloaded into a generated service (`node --import`) by tests: on SIGUSR2 the inference worker
// threads the process started die. With MLGEN_KILL_INFERENCE_THREAD_OF set, only those whose model
// file path contains that text (the runtime passes the file as `workerData.file`). How they die
// (MLGEN_KILL_INFERENCE_THREAD_HOW):
//  - `uncaught` (default): the thread throws an uncaught error from its next message, between two
//    batches, the way a bug or an out-of-memory in its own JavaScript ends it. Deterministic.
//  - `in-run`: `worker.terminate()` 3 ms after the next batch was posted to the thread, so it mostly
//    lands while onnxruntime computes a batch (native code, which finishes first). node-addon-api,
//    as onnxruntime-node is built, aborts the whole process when the binding then fails to make its
//    outputs in the terminating thread (not always: it depends on where the termination meets the
//    binding; `FATAL ERROR: Error::Error napi_define_properties` or
//    `terminate called after throwing an instance of 'Napi::Error'`, SIGABRT).
// The service's own reaction is what the tests check.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const threads = createRequire(import.meta.url)('node:worker_threads');
const only = process.env.MLGEN_KILL_INFERENCE_THREAD_OF;
const how = process.env.MLGEN_KILL_INFERENCE_THREAD_HOW ?? 'uncaught';
if (how !== 'uncaught' && how !== 'in-run') throw new Error(`MLGEN_KILL_INFERENCE_THREAD_HOW: "${how}" is neither uncaught nor in-run`);
const DIE = '__mlgenTestDie';
// Runs first in the thread: its listener sees every message before the session worker's does.
const wrapper = (script) => `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (msg) => { if (msg && msg.${DIE}) throw new Error('inference thread killed by the test (kill-inference-threads.mjs)'); });
import(${JSON.stringify(String(script))});
`;
const started = [];
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(script, options = {}) {
    const file = String(options.workerData?.file ?? '');
    const chosen = !only || file.includes(only);
    super(chosen && how === 'uncaught' ? wrapper(script) : script, chosen && how === 'uncaught' ? { ...options, eval: true } : options);
    if (chosen) started.push(this);
  }

  postMessage(msg, transfer) {
    super.postMessage(msg, transfer);
    if (this.killOnNextBatch && msg?.feeds) {
      this.killOnNextBatch = false;
      setTimeout(() => void this.terminate(), 3);
    }
  }
};
// ESM imports of node:worker_threads made after this point see the subclass.
syncBuiltinESMExports();
process.on('SIGUSR2', () => {
  for (const worker of started) {
    if (how === 'uncaught') worker.postMessage({ [DIE]: true });
    else worker.killOnNextBatch = true;
  }
});
