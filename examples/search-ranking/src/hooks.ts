/**
 * Hooks: request body -> model rows, model outputs -> response body, one pair per endpoint.
 *
 * This file is yours. mlgen wrote it once and never overwrites it; when mlservice.yaml gains an
 * endpoint, `mlgen sync` inserts a stub for it and changes nothing else. Its types come from
 * src/generated/hooks-contract.ts, so a schema change that breaks a hook fails `tsc` here.
 *
 * The re-ranker takes 10 float features per (query, document) pair under the input "input":
 *   0 bm25 / 20   1 log1p(freshness_days) / 8   2 query tokens / 64   3 navigational query
 *   4 7-day click rate   5-7 device one-hot (desktop, mobile, app)
 *   8 English query   9 Portuguese, Spanish or Italian query (one shared segment)
 * and returns its `relevance` output: one score per document, in request order.
 */

import type { Hooks } from './generated/hooks-contract.js';

const DEVICES = ['desktop', 'mobile', 'app'] as const;
const ROMANCE = new Set(['pt', 'es', 'it']);

export const hooks = {
  rerank: {
    preprocess(input) {
      const lang = input.language.slice(0, 2);
      const query = [
        input.query.length_tokens / 64,
        input.query.is_navigational ? 1 : 0,
        input.query.click_rate_7d ?? 0,
        ...DEVICES.map((d) => (d === input.device ? 1 : 0)),
        lang === 'en' ? 1 : 0,
        ROMANCE.has(lang) ? 1 : 0,
      ];
      return input.documents.map((doc) => ({
        input: Float32Array.from([doc.bm25 / 20, Math.log1p(doc.freshness_days) / 8, ...query]),
      }));
    },
    postprocess(outputs) {
      return { scores: outputs.map((row) => Number(row.relevance?.[0] ?? Number.NaN)) };
    },
  },
} satisfies Hooks;
