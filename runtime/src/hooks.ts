/**
 * `@mlservice/runtime/hooks`: helpers the generated default hooks (and the user's own hooks) call
 * to turn request fields into model rows and model outputs into response fields. Versioned here,
 * so a fix reaches every service with a runtime update instead of a regeneration.
 */
import type { ModelOutputRow, RowData } from './types.js';

/** `values` cut or zero-padded to `length`: a model input has a fixed width. */
export function padded(values: ReadonlyArray<number | boolean>, length: number): number[] {
  const row = new Array<number>(length).fill(0);
  for (let i = 0; i < Math.min(length, values.length); i++) row[i] = Number(values[i]);
  return row;
}

/** Every element of the row's first output (in the model's output order) as numbers. */
export function outputValues(row: ModelOutputRow | undefined): number[] {
  const first: RowData | undefined = row ? Object.values(row)[0] : undefined;
  if (first === undefined) throw new Error('the model returned no output for this row');
  return Array.from(first as ArrayLike<number | bigint | string | boolean>, Number);
}

/** The first element of the row's first output: the score of a regressor or binary classifier. */
export function firstValue(row: ModelOutputRow | undefined): number {
  const value = outputValues(row)[0];
  if (value === undefined) throw new Error('the model returned an empty output for this row');
  return value;
}
