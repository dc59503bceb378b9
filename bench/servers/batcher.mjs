// The ceiling reference: the smallest hand-written server that batches well. Fastify +
// onnxruntime-node, one session with one intra-op thread, and a dispatch-when-idle batcher: rows
// queue; whenever no batch is running, up to MAX_BATCH of them go into one session.run and each
// request gets its own row back. No validation beyond the body parse, no metrics, no A/B.
// Usage: PORT=8083 MODEL=/path/model.onnx [MAX_BATCH=64] node bench/servers/batcher.mjs
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const maxBatch = Number(process.env.MAX_BATCH ?? 64);
const session = await ort.InferenceSession.create(String(process.env.MODEL), { intraOpNumThreads: 1 });
// The bench's models have one input and one output.
const input = String(session.inputNames[0]);
const output = String(session.outputNames[0]);
/** @typedef {{ features: number[]; resolve: (score: unknown) => void; reject: (err: unknown) => void }} Job */
/** @type {Job[]} */
const queue = [];
let running = false;

async function runBatch() {
  running = true;
  while (queue.length > 0) {
    const batch = queue.splice(0, maxBatch);
    const dim = /** @type {Job} */ (batch[0]).features.length;
    const data = new Float32Array(batch.length * dim);
    batch.forEach((job, i) => data.set(job.features, i * dim));
    try {
      const result = await session.run({ [input]: new ort.Tensor('float32', data, [batch.length, dim]) });
      const scores = /** @type {ort.Tensor} */ (result[output]).data;
      batch.forEach((job, i) => job.resolve(scores[i]));
    } catch (err) {
      batch.forEach((job) => job.reject(err));
    }
  }
  running = false;
}

const app = Fastify({ bodyLimit: 1048576 });
app.post('/v1/score', async (request) => {
  const score = await new Promise((resolve, reject) => {
    queue.push({ features: /** @type {{ features: number[] }} */ (request.body).features, resolve, reject });
    if (!running) void runBatch();
  });
  return { score };
});
app.get('/readyz', async () => ({ status: 'ready' }));
// Exit cleanly on SIGTERM so `node --cpu-prof` (bench:profile) can write its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 8083), host: '127.0.0.1' });
