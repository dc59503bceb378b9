// Preloaded into a generated service (`node --import`) by tests: on SIGUSR2 the worker threads the
// process started are terminated, the way an out-of-memory kills an inference thread. With
// MLGEN_KILL_INFERENCE_THREAD_OF set, only those whose model file path contains that text (the
// runtime passes the file as `workerData.file`). The service's own reaction (liveness and
// readiness fail, that model's predictions answer 503, the others still answer) is what is tested.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const threads = createRequire(import.meta.url)('node:worker_threads');
const only = process.env.MLGEN_KILL_INFERENCE_THREAD_OF;
const started = [];
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(...args) {
    super(...args);
    const file = String(args[1]?.workerData?.file ?? '');
    if (!only || file.includes(only)) started.push(this);
  }
};
// ESM imports of node:worker_threads made after this point see the subclass.
syncBuiltinESMExports();
process.on('SIGUSR2', () => {
  for (const worker of started) void worker.terminate();
});
