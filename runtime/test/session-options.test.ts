/** MLmodel `onnx_session_options` -> onnxruntime-node session options, and the one-thread default. */
import { describe, expect, it } from 'vitest';
import { sessionOptions } from '../src/model-loader.js';

const mlmodel = (options: Record<string, unknown>) => ({ flavors: { onnx: { data: 'model.onnx', onnx_session_options: options } } });

describe('sessionOptions', () => {
  it('uses one intra-op thread when MLmodel names no thread count, or when there is no MLmodel', () => {
    expect(sessionOptions(null)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
    expect(sessionOptions({ flavors: { onnx: { data: 'model.onnx' } } })).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
  });

  it('maps every MLflow option, and MLmodel thread counts win over the default (0 = ORT decides)', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 4, inter_op_num_threads: 2, execution_mode: 'parallel', graph_optimization_level: 99 }))).toEqual({
      executionProviders: ['cpu'],
      intraOpNumThreads: 4,
      interOpNumThreads: 2,
      executionMode: 'parallel',
      graphOptimizationLevel: 'all',
    });
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 0 })).intraOpNumThreads).toBe(0);
  });

  it('ignores values onnxruntime does not know', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: '8', execution_mode: 'turbo', graph_optimization_level: 3 }))).toEqual({
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
    });
  });

  it('MLSERVICE_ORT_THREADS overrides the model file; a bad value is refused with a fix', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 4 }), { MLSERVICE_ORT_THREADS: '2' }).intraOpNumThreads).toBe(2);
    expect(sessionOptions(null, { MLSERVICE_ORT_THREADS: '0' }).intraOpNumThreads).toBe(0);
    expect(sessionOptions(null, { MLSERVICE_ORT_THREADS: '' }).intraOpNumThreads).toBe(1);
    expect(() => sessionOptions(null, { MLSERVICE_ORT_THREADS: 'two' })).toThrow('MLSERVICE_ORT_THREADS="two" is not a thread count');
  });
});
