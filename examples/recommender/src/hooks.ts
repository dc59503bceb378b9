/**
 * Hooks: request body -> model rows, model outputs -> response body, one pair per endpoint.
 *
 * This file is yours. mlgen wrote it once and never overwrites it; when mlservice.yaml gains an
 * endpoint, `mlgen sync` inserts a stub for it and changes nothing else. Its types come from
 * src/generated/hooks-contract.ts, so a schema change that breaks a hook fails `tsc` here.
 *
 * The rankers take 24 float features per (user, candidate) pair under the input "input":
 *   0-19  the user's last 20 activities, newest first, each as a hashed id in [0, 1), 0 = empty
 *   20    the candidate as a hashed id in [0, 1)
 *   21    1 when the user did the candidate before
 *   22    history length / 20
 *   23    1 on mobile or tablet, 0 on desktop or unknown
 * Both A/B variants were trained on this layout, so one pair of hooks serves both.
 */

import { firstValue } from '@mlservice/runtime/hooks';
import type { Hooks } from './generated/hooks-contract.js';

const HISTORY = 20;
const BUCKETS = 1009;

/** Activity ids are categorical: spread them over [0, 1) instead of feeding raw magnitudes. */
const hashed = (id: number): number => ((id % BUCKETS) + 1) / (BUCKETS + 1);

export const hooks = {
  rank: {
    preprocess(input) {
      const history = (input.history ?? []).slice(0, HISTORY);
      const seen = new Set(history);
      const user = new Float32Array(HISTORY + 4);
      history.forEach((id, i) => (user[i] = hashed(id)));
      user[HISTORY + 2] = history.length / HISTORY;
      user[HISTORY + 3] = input.device === 'mobile' || input.device === 'tablet' ? 1 : 0;
      // One row per candidate: the user's features plus the candidate's.
      return input.activity_ids.map((candidate) => {
        const row = user.slice();
        row[HISTORY] = hashed(candidate);
        row[HISTORY + 1] = seen.has(candidate) ? 1 : 0;
        return { input: row };
      });
    },
    postprocess(outputs) {
      return { scores: outputs.map((row) => firstValue(row)) };
    },
  },
} satisfies Hooks;
