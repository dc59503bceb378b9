// @ts-check
/**
 * Builds the onnxruntime tensor of one feed, on either thread (plain JavaScript, like
 * session-worker.js, so both the TypeScript sources and dist/ can import it).
 */
import * as ort from 'onnxruntime-node';

/**
 * Where the global Float16Array exists (Node.js 23+, so the Node 24 images), onnxruntime-common
 * turns float16 data given as IEEE half bits in a Uint16Array into a Float16Array view, whose byte
 * length onnxruntime-node 1.30's binding reads as 0 ("not enough space: expected 6, got 0"). The
 * tensor keeps the Uint16Array instead, which the binding reads on every Node version.
 * @see https://github.com/microsoft/onnxruntime/pull/32323
 * @param {import('onnxruntime-node').Tensor.Type} type
 * @param {any} data
 * @param {readonly number[]} dims
 * @returns {import('onnxruntime-node').Tensor}
 */
export function ortTensor(type, data, dims) {
  const tensor = new ort.Tensor(type, data, dims);
  if (type === 'float16' && data instanceof Uint16Array && tensor.data !== data) /** @type {any} */ (tensor).cpuData = data;
  return tensor;
}
