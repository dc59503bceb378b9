import { RUNTIME_PACKAGE } from './contract.js';
import { TsFile } from './ts-file.js';

/**
 * `src/generated/hook-utils.ts`: the few helpers the default hooks call. Kept generated (not in the
 * user's file) so the defaults read as data flow, and kept tiny and stable because user code
 * imports them.
 */
export function hookUtilsModule(): string {
  const file = new TsFile('src/generated/hook-utils.ts');
  const out = file.use('ModelOutputRow', RUNTIME_PACKAGE, { typeOnly: true });
  const data = file.use('RowData', RUNTIME_PACKAGE, { typeOnly: true });
  file.add(`/** \`values\` cut or zero-padded to \`length\`: a model input has a fixed width. */
export function padded(values: ReadonlyArray<number | boolean>, length: number): number[] {
  const row = new Array<number>(length).fill(0);
  for (let i = 0; i < Math.min(length, values.length); i++) row[i] = Number(values[i]);
  return row;
}`);
  file.add(`/** Every element of the row's first output (in the model's output order) as numbers. */
export function outputValues(row: ${out} | undefined): number[] {
  const first: ${data} | undefined = row ? Object.values(row)[0] : undefined;
  if (first === undefined) throw new Error('the model returned no output for this row');
  return Array.from(first as ArrayLike<number | bigint | string | boolean>, Number);
}`);
  file.add(`/** The first element of the row's first output: the score of a regressor or binary classifier. */
export function firstValue(row: ${out} | undefined): number {
  const value = outputValues(row)[0];
  if (value === undefined) throw new Error('the model returned an empty output for this row');
  return value;
}`);
  return file.render();
}
