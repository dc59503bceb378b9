/**
 * Bounded (default: CI, a few minutes) or long (`MLGEN_RELIABILITY_LONG=1`) runs of the
 * reliability suite, and where their figures go: one `[reliability] <name> {json}` line per test
 * on stdout, also appended to the file `MLGEN_RELIABILITY_REPORT` names (JSON lines), from which
 * `npm run bench:reliability` writes bench/results/reliability.md.
 */
import { appendFileSync } from 'node:fs';

export const LONG = process.env.MLGEN_RELIABILITY_LONG === '1';

export const SCALE = LONG
  ? { mutations: 400, kills: 200, restarts: 20, soakSeconds: 600, failureSeconds: 30, inRunKills: 10, rateSeconds: 10, overloadSeconds: 60 }
  : { mutations: 40, kills: 12, restarts: 3, soakSeconds: 30, failureSeconds: 4, inRunKills: 1, rateSeconds: 3, overloadSeconds: 10 };

/** Records a test's measured figures (printed, and appended to MLGEN_RELIABILITY_REPORT when set). */
export function report(name: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ name, mode: LONG ? 'long' : 'bounded', ...figures });
  console.log(`[reliability] ${line}`);
  const file = process.env.MLGEN_RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${line}\n`);
}
