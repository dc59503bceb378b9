/**
 * Which values each ONNX input element type can hold. Every preprocessed row is checked before it
 * is queued, because the typed array a tensor is built from converts whatever it is given without
 * a word: 1e39 becomes Infinity in float32 (then NaN inside the model), 3e9 becomes -1294967296 in
 * int32, 256 becomes 0 in uint8, 1.5 becomes 1, 2**64 wraps in int64. A value that does not fit is
 * the client's 400, naming the request field it came from, never a wrong prediction or a 500.
 *
 * Floats: NaN passes (JSON cannot carry it, so only a hook makes one, and ONNX tree ensembles read
 * it as "missing"); ±Infinity does not (from a request it only comes from a number too large for
 * the type). Precision loss is not refused: 0.1 in float32 is the nearest float32, as in training.
 * @see https://onnx.ai/onnx/intro/concepts.html#element-type
 */
import { f16round } from '@petamoriken/float16';
import type { FieldError } from './errors.js';
import { pointerToken } from './problem.js';
import type { IoSpec } from './tensors.js';
import type { ModelRow } from './types.js';

type Element = number | bigint | boolean | string;

interface ElementType {
  /** What the type holds, for the error message. */
  holds: string;
  fits(v: Element): boolean;
}

/** Booleans count as 0 and 1 in numeric inputs (the tensor builder converts them so). */
function num(v: Element): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function float(holds: string, round: (x: number) => number): ElementType {
  return {
    holds,
    fits: (v) => {
      const x = num(v);
      return x !== null && (Number.isNaN(x) || Number.isFinite(round(x)));
    },
  };
}

function integer(min: bigint, max: bigint): ElementType {
  return {
    holds: `whole numbers from ${min} to ${max}`,
    fits: (v) => {
      if (typeof v === 'bigint') return v >= min && v <= max;
      const x = num(v);
      // Compared as BigInt: 2**63 as a double equals 9223372036854775808, one past int64's max.
      return x !== null && Number.isInteger(x) && BigInt(x) >= min && BigInt(x) <= max;
    },
  };
}

const signed = (bits: number) => integer(-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n);
const unsigned = (bits: number) => integer(0n, 2n ** BigInt(bits) - 1n);

const TYPES: Record<string, ElementType> = {
  float32: float('finite numbers up to ±3.4028234663852886e+38', Math.fround),
  float16: float('finite numbers up to ±65504', f16round),
  float64: float('finite numbers', (x) => x),
  int8: signed(8),
  int16: signed(16),
  int32: signed(32),
  int64: signed(64),
  uint8: unsigned(8),
  uint16: unsigned(16),
  uint32: unsigned(32),
  uint64: unsigned(64),
  bool: { holds: 'true, false, 0 and 1', fits: (v) => v === true || v === false || v === 0 || v === 1 || v === 0n || v === 1n },
  string: { holds: 'strings', fits: (v) => typeof v === 'string' },
};

/** True when an element of ONNX type `type` can hold `v`; types without a rule are not checked. */
export function fitsElementType(type: string, v: Element): boolean {
  return TYPES[type]?.fits(v) ?? true;
}

export interface UnfitValue {
  input: string;
  type: string;
  holds: string;
  row: number;
  index: number;
  value: Element;
}

/** The first element of `rows` its model input's type cannot hold, or null. */
export function firstUnfitValue(rows: readonly ModelRow[], inputs: readonly IoSpec[]): UnfitValue | null {
  for (const spec of inputs) {
    const t = TYPES[spec.type];
    if (!t) continue;
    for (let r = 0; r < rows.length; r++) {
      const data = rows[r]![spec.name] as ArrayLike<Element> | undefined;
      if (data === undefined) continue;
      for (let i = 0; i < data.length; i++) {
        if (!t.fits(data[i]!)) return { input: spec.name, type: spec.type, holds: t.holds, row: r, index: i, value: data[i]! };
      }
    }
  }
  return null;
}

/** Every leaf of `node` (a parsed JSON body) for which `match` holds, with its JSON Pointer. */
function leaves(node: unknown, match: (v: unknown) => boolean, at = '', out: Array<{ pointer: string; value: unknown }> = []): Array<{ pointer: string; value: unknown }> {
  if (Array.isArray(node)) node.forEach((v, i) => leaves(v, match, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) leaves(v, match, `${at}/${pointerToken(k)}`, out);
  else if (match(node)) out.push({ pointer: at, value: node });
  return out;
}

/**
 * The request fields the unfit value came from: body numbers equal to the row's value as given,
 * or as a hook's Float32Array stored them (1e39 is Infinity there; 2147483647 is 2147483648, one
 * past int32). Hooks may transform values; when none matches, the error points at the whole body.
 */
export function unfitFieldErrors(body: unknown, unfit: UnfitValue): FieldError[] {
  const holds = `must fit ${unfit.type}, the element type of model input "${unfit.input}": ${unfit.holds}`;
  const errors: FieldError[] = [];
  leaves(body, (v) => v === unfit.value || (typeof v === 'number' && Math.fround(v) === unfit.value)).forEach(({ pointer, value }) => {
    const rounded = fitsElementType(unfit.type, value as Element);
    const message = rounded
      ? `becomes ${String(unfit.value)} in the preprocess hook's float32 row, which ${unfit.type} cannot hold: build the row for "${unfit.input}" from the numbers as sent (a plain array or a typed array of its type)`
      : holds;
    errors.push({ pointer, message });
  });
  if (errors.length > 0) return errors;
  return [{ pointer: '', message: `row ${unfit.row}, element ${unfit.index} of model input "${unfit.input}" is ${String(unfit.value)}; it ${holds}` }];
}
