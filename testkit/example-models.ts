/**
 * The ONNX models the committed examples' hooks are written for, built offline and
 * deterministically with the test builder. Used by the examples' end-to-end test, `npm run demo`
 * and `npm run examples:models` (which writes examples/minimal's in-project model).
 */
import type { MlpOptions } from './onnx-builder.js';

export const EXAMPLE_MODELS: Record<string, Record<string, MlpOptions>> = {
  minimal: {
    churn: { inputName: 'input', inputDim: 4, hidden: [8], outputDim: 1, seed: 7 },
  },
  recommender: {
    'ranker-control': { inputName: 'input', inputDim: 24, hidden: [32, 16], outputDim: 1, seed: 12 },
    'ranker-treatment': { inputName: 'input', inputDim: 24, hidden: [32, 16], outputDim: 1, seed: 13 },
  },
  'search-ranking': {
    reranker: { inputName: 'input', inputDim: 10, hidden: [16], outputDim: 1, outputName: 'relevance', seed: 7 },
  },
};
