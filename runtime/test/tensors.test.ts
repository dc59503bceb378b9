/** Stacking rows into batch tensors and splitting outputs back, per element type. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rowProblem, splitOutputs, stackRows, zeroRow, type IoSpec } from '../src/tensors.js';

describe('stackRows', () => {
  it('stacks float, int64 (from numbers or bigints), string and bool inputs into [n, ...dims]', () => {
    const specs: IoSpec[] = [
      { name: 'x', type: 'float32', dims: [2] },
      { name: 'ids', type: 'int64', dims: [3] },
      { name: 'tag', type: 'string', dims: [1] },
      { name: 'flag', type: 'bool', dims: [1] },
    ];
    const [x, ids, tag, flag] = stackRows(
      [
        { x: [1, 2], ids: [1, 2, 3], tag: ['a'], flag: [true] },
        { x: Float32Array.from([3, 4]), ids: BigInt64Array.from([4n, 5n, 6n]), tag: ['b'], flag: [false] },
      ],
      specs,
    );
    expect([x!.name, x!.dims, Array.from(x!.data as Float32Array)]).toEqual(['x', [2, 2], [1, 2, 3, 4]]);
    expect([ids!.name, ids!.type, Array.from(ids!.data as BigInt64Array)]).toEqual(['ids', 'int64', [1n, 2n, 3n, 4n, 5n, 6n]]);
    expect([tag!.name, tag!.dims, tag!.data]).toEqual(['tag', [2, 1], ['a', 'b']]);
    expect([flag!.name, flag!.type, Array.from(flag!.data as Uint8Array)]).toEqual(['flag', 'bool', [1, 0]]);
  });

  it('sizes a symbolic non-batch dim from the rows, and refuses rows that disagree', () => {
    const spec: IoSpec = { name: 'seq', type: 'int32', dims: ['len', 2] };
    expect(stackRows([{ seq: [1, 2, 3, 4, 5, 6] }, { seq: [0, 0, 0, 0, 0, 0] }], [spec])[0]!.dims).toEqual([2, 3, 2]);
    expect(() => stackRows([{ seq: [1, 2] }, { seq: [1, 2, 3, 4] }], [spec])).toThrow('rows disagree on the length of input "seq"');
  });
});

describe('rowProblem', () => {
  it('names a missing input and a wrong element count', () => {
    const specs: IoSpec[] = [{ name: 'x', type: 'float32', dims: [2] }];
    expect(rowProblem({ x: [1, 2] }, specs)).toBeNull();
    expect(rowProblem({}, specs)).toBe('row has no value for model input "x"');
    expect(rowProblem({ x: [1] }, specs)).toBe('model input "x" needs 2 elements per row, got 1');
  });
});

describe('splitOutputs and zeroRow', () => {
  it('splits [n, k] outputs into n copies of k elements', () => {
    const t = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const rows = splitOutputs([{ name: 'y', type: t.type, data: t.data, dims: t.dims }], ['y'], 3);
    expect(rows.map((r) => Array.from(r.y as Float32Array))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect((rows[0]!.y as Float32Array).buffer).not.toBe(t.data.buffer);
  });

  it('builds a zero row with symbolic dims set to 1', () => {
    const row = zeroRow([
      { name: 'x', type: 'float32', dims: [3] },
      { name: 's', type: 'string', dims: ['n'] },
    ]);
    expect([Array.from(row.x as Float32Array), row.s]).toEqual([[0, 0, 0], ['']]);
  });
});
