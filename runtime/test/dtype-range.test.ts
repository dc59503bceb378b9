/**
 * The element-type bounds, value by value at each edge, and how an unfit value is traced back to
 * the request field it came from.
 */
import { describe, expect, it } from 'vitest';
import { firstUnfitValue, fitsElementType, unfitFieldErrors } from '../src/dtype-range.js';

const FLT_MAX = 3.4028234663852886e38;
/** The largest double that still rounds to FLT_MAX in float32 (half an ulp above rounds to Infinity). */
const FLT_ROUNDS_DOWN = 3.4028235677973362e38;

const cases: Array<[string, Array<number | bigint | boolean | string>, Array<number | bigint | boolean | string>]> = [
  // type, fits, does not fit
  ['float32', [0, -0, 1.5, FLT_MAX, -FLT_MAX, FLT_ROUNDS_DOWN, 1e-50, Number.MIN_VALUE, NaN, true, 2n ** 100n], [1e39, -1e39, 3.4028235677973366e38, Number.MAX_VALUE, Infinity, -Infinity, 'x']],
  ['float16', [0, 65504, -65504, 65519.99, 1e-8, NaN, false], [65520, -65520, 1e5, Infinity, FLT_MAX]],
  ['float64', [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, NaN], [Infinity, -Infinity, '1']],
  ['int8', [-128, 127, 0, -0, true], [-129, 128, 0.5, NaN, Infinity]],
  ['uint8', [0, 255, true, 1n], [-1, 256, 1.5, -0.5, 'a']],
  ['int16', [-32768, 32767], [-32769, 32768]],
  ['uint16', [0, 65535], [-1, 65536]],
  ['int32', [-2147483648, 2147483647, 1e9], [-2147483649, 2147483648, 3e9, 1e39, 2.5]],
  ['uint32', [0, 4294967295], [-1, 4294967296]],
  ['int64', [-(2 ** 63), 2 ** 63 - 1024, Number.MAX_SAFE_INTEGER, -(2n ** 63n), 2n ** 63n - 1n], [2 ** 63, -(2 ** 64), 2n ** 63n, -(2n ** 63n) - 1n, 0.5, 1e300, Infinity]],
  ['uint64', [0, 2 ** 64 - 2048, 2n ** 64n - 1n], [-1, 2 ** 64, 2n ** 64n, -1n]],
  ['bool', [true, false, 0, 1, 0n, 1n], [2, -1, 0.5, 'true', 2n]],
  ['string', ['', 'x'], [1, true]],
];

describe('what each ONNX element type holds', () => {
  it.each(cases)('%s', (type, fits, unfit) => {
    expect(fits.filter((v) => !fitsElementType(type, v))).toEqual([]);
    expect(unfit.filter((v) => fitsElementType(type, v))).toEqual([]);
  });

  it('checks nothing for a type it has no rule for', () => {
    expect(fitsElementType('complex64', Infinity)).toBe(true);
  });
});

describe('an unfit value in a preprocessed row', () => {
  const inputs = [
    { name: 'features', type: 'float32' as const, dims: [3] },
    { name: 'ids', type: 'int32' as const, dims: [2] },
  ];

  it('is found by input, row and element, whatever array the hook built', () => {
    const rows = [
      { features: Float32Array.from([1, 2, 3]), ids: [1, 2] },
      { features: Float32Array.from([1, 1e39, 3]), ids: [1, 2] },
    ];
    expect(firstUnfitValue(rows, inputs)).toEqual({ input: 'features', type: 'float32', holds: 'finite numbers up to ±3.4028234663852886e+38', row: 1, index: 1, value: Infinity });
    expect(firstUnfitValue([{ features: [0, 0, 0], ids: [7, 3e9] }], inputs)).toMatchObject({ input: 'ids', row: 0, index: 1, value: 3e9 });
    expect(firstUnfitValue([{ features: [FLT_MAX, 0, NaN], ids: [-5, 2147483647] }], inputs)).toBeNull();
  });

  it('is named by the request fields it came from, also after a Float32Array turned it into Infinity', () => {
    const body = { user: { age: 1e39 }, list: [1, 2, 1e39], other: -1e39 };
    const unfit = firstUnfitValue([{ features: Float32Array.from([1e39, 0, 0]), ids: [0, 0] }], inputs)!;
    const message = 'must fit float32, the element type of model input "features": finite numbers up to ±3.4028234663852886e+38';
    // -1e39 is unfit too, but it is not the value in the row (-Infinity there): it is not blamed.
    expect(unfitFieldErrors(body, unfit)).toEqual([
      { pointer: '/user/age', message },
      { pointer: '/list/2', message },
    ]);
  });

  it("names a field that fits but that the hook's Float32Array rounded out of range, and says so", () => {
    const unfit = firstUnfitValue([{ features: [0, 0, 0], ids: Float32Array.from([2147483647, 0]) }], inputs)!;
    expect(unfit.value).toBe(2147483648);
    expect(unfitFieldErrors({ item: 2147483647 }, unfit)).toEqual([
      {
        pointer: '/item',
        message: 'becomes 2147483648 in the preprocess hook\'s float32 row, which int32 cannot hold: build the row for "ids" from the numbers as sent (a plain array or a typed array of its type)',
      },
    ]);
  });

  it('escapes field names in the pointer', () => {
    const unfit = firstUnfitValue([{ features: [0, 0, 0], ids: [256, 3e9] }], inputs)!;
    expect(unfitFieldErrors({ 'a/b~c': 3e9 }, unfit).map((e) => e.pointer)).toEqual(['/a~1b~0c']);
  });

  it('points at the whole body when a hook computed the value', () => {
    const unfit = firstUnfitValue([{ features: [0, 0, 0], ids: [1, 2 ** 40] }], inputs)!;
    expect(unfitFieldErrors({ days: 40 }, unfit)).toEqual([
      { pointer: '', message: 'row 0, element 1 of model input "ids" is 1099511627776; it must fit int32, the element type of model input "ids": whole numbers from -2147483648 to 2147483647' },
    ]);
  });
});
