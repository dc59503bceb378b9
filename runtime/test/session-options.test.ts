/** MLmodel `onnx_session_options` -> onnxruntime-node session options, and the two-thread default. */
import { describe, expect, it } from 'vitest';
import { sessionOptions } from '../src/model-loader.js';

const mlmodel = (options: Record<string, unknown>) => ({ data: 'model.onnx', runId: null, sessionOptions: options });

describe('sessionOptions', () => {
  const noSpin = { session: { intra_op: { allow_spinning: '0' } } };

  it('uses two non-spinning intra-op threads (one on a one-core machine) when MLmodel names no thread count', () => {
    expect(sessionOptions(null, {}, 8)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 2, extra: noSpin });
    expect(sessionOptions(mlmodel({}), {}, 2)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 2, extra: noSpin });
    expect(sessionOptions(null, {}, 1)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
  });

  it('maps every MLflow option, and MLmodel thread counts win over the default (0 = ORT decides)', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 4, inter_op_num_threads: 2, execution_mode: 'parallel', graph_optimization_level: 99 }), {}, 8)).toEqual({
      executionProviders: ['cpu'],
      intraOpNumThreads: 4,
      interOpNumThreads: 2,
      executionMode: 'parallel',
      graphOptimizationLevel: 'all',
      extra: noSpin,
    });
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 0 }), {}, 8)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 0, extra: noSpin });
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 1 }), {}, 8)).toEqual({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
  });

  it('ignores values onnxruntime does not know', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: '8', execution_mode: 'turbo', graph_optimization_level: 3 }), {}, 1)).toEqual({
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
    });
  });

  it('MLSERVICE_ORT_THREADS overrides the model file; a bad value is refused with a fix', () => {
    expect(sessionOptions(mlmodel({ intra_op_num_threads: 4 }), { MLSERVICE_ORT_THREADS: '2' }).intraOpNumThreads).toBe(2);
    expect(sessionOptions(null, { MLSERVICE_ORT_THREADS: '0' }).intraOpNumThreads).toBe(0);
    expect(sessionOptions(null, { MLSERVICE_ORT_THREADS: '1' }, 8).intraOpNumThreads).toBe(1);
    expect(sessionOptions(null, { MLSERVICE_ORT_THREADS: '' }, 8).intraOpNumThreads).toBe(2);
    expect(() => sessionOptions(null, { MLSERVICE_ORT_THREADS: 'two' })).toThrow('MLSERVICE_ORT_THREADS="two" is not a thread count');
  });
});
