/**
 * The event-loop thread's fallback: when this onnxruntime-node has no native session that
 * native-session.ts can call (its `dist/binding.js` is not an entry point onnxruntime-node
 * documents), `openSession(..., 'main')` opens the model through onnxruntime-node's public API. Such a
 * batch computes in a later turn (`InferenceSession.run` defers to `setImmediate`), so the session
 * must say it does not compute in the call, and give what onnxruntime-node gives.
 * Only the binding's lookup is replaced here; onnxruntime-node itself runs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildMlp } from '../../testkit/onnx-builder.js';
import { openSession } from '../src/session-host.js';

vi.mock('../src/native-session.js', () => ({ hasNativeSession: false, openNativeSession: () => null }));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'session-fallback-'));
  await writeFile(join(dir, 'model.onnx'), buildMlp({ inputDim: 3, hidden: [8], seed: 4 }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('opens the model through the public API when the native session is missing, and runs it in a later turn with the same outputs', async () => {
  const file = join(dir, 'model.onnx');
  const session = await openSession(file, { intraOpNumThreads: 1 }, 'main');
  const reference = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  expect(session.computesInCall).toBe(false);
  expect(session.inputMetadata).toEqual(reference.inputMetadata);
  expect(session.outputMetadata).toEqual(reference.outputMetadata);
  const data = Float32Array.from([0.5, -1, 2, 0.25, 3, -0.5]);
  let turnEnded = false;
  setImmediate(() => {
    turnEnded = true;
  });
  const { outputs } = await session.run([{ name: 'features', type: 'float32', data, dims: [2, 3] }], ['score']);
  expect(turnEnded).toBe(true);
  const want = await reference.run({ features: new ort.Tensor('float32', data, [2, 3]) }, ['score']);
  expect(outputs.map((o) => [o.name, o.type, o.dims])).toEqual([['score', 'float32', [2, 1]]]);
  expect(outputs[0]!.data).toEqual(want.score!.data);
  await session.release();
  await reference.release();
});
