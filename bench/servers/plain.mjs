// What a Node team would write by hand: Fastify + onnxruntime-node, one session with default
// options, one session.run per request, no batching, no validation beyond the body parse.
// Usage: PORT=8082 MODEL=/path/model.onnx [INTRA_OP_THREADS=1] node bench/servers/plain.mjs
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

// INTRA_OP_THREADS exists only to show the effect of that one option; unset, the session is ORT's default.
const options = process.env.INTRA_OP_THREADS ? { intraOpNumThreads: Number(process.env.INTRA_OP_THREADS) } : {};
const session = await ort.InferenceSession.create(String(process.env.MODEL), options);
// The bench's models have one input and one output.
const input = String(session.inputNames[0]);
const output = String(session.outputNames[0]);

const app = Fastify({ bodyLimit: 1048576 });
app.post('/v1/score', async (request) => {
  const { features } = /** @type {{ features: number[] }} */ (request.body);
  const tensor = new ort.Tensor('float32', Float32Array.from(features), [1, features.length]);
  const result = await session.run({ [input]: tensor });
  return { score: /** @type {ort.Tensor} */ (result[output]).data[0] };
});
app.get('/readyz', async () => ({ status: 'ready' }));
// Exit cleanly on SIGTERM so `node --cpu-prof` (bench:profile) can write its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 8082), host: '127.0.0.1' });
