/**
 * `npm run bench:reliability`: the long reliability suite (MLGEN_RELIABILITY_LONG=1: 400 mutated
 * configs, 200 killed syncs, 10,000 fuzzed bodies per example, 20 rolling restarts, 30 s per
 * failing-model case, 10 inference threads terminated mid-run, 60 s of overload, a 10 min soak; 30 to 40 min) and its figures in
 * bench/results/reliability.md. The tests assert the
 * behaviour; this records what they measured. Run it on a quiet machine: the load tests measure
 * what the machine sustains. MLGEN_RELIABILITY_LONG=0 records the bounded suite instead; extra
 * arguments select test files (`npm run bench:reliability -- test/reliability/soak.test.ts`),
 * whose sections then replace theirs in the file, marked with the run they are from.
 * Exits with the suite's exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeReliabilityMarkdown, reliabilityMarkdown, reliabilityTitle, type ReliabilityRun } from './reliability-report.js';
import { REPO } from './serve-servers.js';

const long = process.env.MLGEN_RELIABILITY_LONG !== '0';
const files = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'mlgen-reliability-'));
const jsonl = join(work, 'figures.jsonl');
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const before = loadAverage();
const started = Date.now();
const run = spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/reliability/vitest.config.ts', ...files], {
  cwd: REPO,
  stdio: 'inherit',
  env: { ...process.env, MLGEN_RELIABILITY_LONG: long ? '1' : '0', MLGEN_RELIABILITY_REPORT: jsonl },
});
const minutes = (Date.now() - started) / 60_000;

let records: Array<Record<string, unknown>> = [];
try {
  records = readFileSync(jsonl, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
} catch {
  // No figures: every test failed before reporting; the exit code says so.
}
rmSync(work, { recursive: true, force: true });

const figures: ReliabilityRun = {
  long,
  command: `${long ? '' : 'MLGEN_RELIABILITY_LONG=0 '}npm run bench:reliability${files.length > 0 ? ` -- ${files.join(' ')}` : ''}`,
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
  load: { before, after: loadAverage() },
  outcome: `vitest exit code ${run.status ?? run.signal}, ${minutes.toFixed(1)} min`,
  records,
};
// A run of selected files replaces those tests' sections in a file of the same mode (long or
// bounded) and keeps the rest of the last whole run.
const out = join(REPO, 'bench/results/reliability.md');
const existing = files.length > 0 && existsSync(out) ? readFileSync(out, 'utf8') : '';
const markdown = existing.startsWith(reliabilityTitle(long)) ? mergeReliabilityMarkdown(existing, figures) : reliabilityMarkdown(figures);
writeFileSync(out, markdown);
console.log(`wrote bench/results/reliability.md (${records.length} records)`);
process.exit(run.status ?? 1);
