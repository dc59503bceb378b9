/**
 * Hooks: request body -> model rows, model outputs -> response body, one pair per endpoint.
 *
 * This file is yours. mlgen wrote it once and never overwrites it; when mlservice.yaml gains an
 * endpoint, `mlgen sync` inserts a stub for it and changes nothing else. Its types come from
 * src/generated/hooks-contract.ts, so a schema change that breaks a hook fails `tsc` here.
 *
 * The defaults use the numeric fields in schema order (arrays of a fixed length as they are,
 * others zero-padded to maxItems) as one row under the model's input name (or "input" when
 * the model file was not there when this file was written: then rename the key to your model's
 * input name). The service converts the row to the input's element type.
 */

import { firstValue } from '@mlservice/runtime/hooks';
import type { Hooks } from './generated/hooks-contract.js';

export const hooks = {
  score: {
    preprocess(input) {
      return [{ input: input.features satisfies number[] }];
    },
    postprocess(outputs) {
      return { score: firstValue(outputs[0]) };
    },
  },
} satisfies Hooks;
