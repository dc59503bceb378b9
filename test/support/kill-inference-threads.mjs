// Preloaded into a generated service (`node --import`) by tests: on SIGUSR2 every worker thread
// the process started is terminated, the way an out-of-memory kills an inference thread. The
// service's own reaction (liveness and readiness fail, predictions answer 503) is what is tested.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const threads = createRequire(import.meta.url)('node:worker_threads');
const started = [];
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(...args) {
    super(...args);
    started.push(this);
  }
};
// ESM imports of node:worker_threads made after this point see the subclass.
syncBuiltinESMExports();
process.on('SIGUSR2', () => {
  for (const worker of started) void worker.terminate();
});
