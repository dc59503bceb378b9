// A stand-in for session-worker.js that opens fine and then dies on its first batch, the way a
// worker thread dies of an uncaught error or V8 out-of-memory: for the main side's crash handling.
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('run me as a worker thread');
parentPort.postMessage({
  type: 'ready',
  inputs: [{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 1] }],
  outputs: [{ name: 'y', isTensor: true, type: 'float32', shape: ['batch', 1] }],
});
parentPort.on('message', () => {
  setTimeout(() => {
    throw new Error('inference thread crashed');
  });
});
