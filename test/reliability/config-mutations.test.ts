/**
 * Mutated configs through the built CLI, as a person runs it: `mlgen sync` (a child process) in a
 * copy of each committed example whose mlservice.yaml was mutated (support/mutate.ts, seeded).
 * Every refused mutant must give exit 65 with only located diagnostics (`file:line:col error CODE`),
 * no stack trace, and leave every other file of the project byte for byte as it was. Mutants that
 * are still valid configs may sync (exit 0). Nothing may crash (exit 70, a signal, another code).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../testkit/onnx-builder.js';
import { treeHashes } from '../support/cli.js';
import { copyExample, inParallel, runCli, type CliRun } from './support/cli-runs.js';
import { report, SCALE } from './support/mode.js';
import { mutate } from './support/mutate.js';

const EXAMPLES = ['minimal', 'recommender', 'search-ranking'];
const SEED = Number(process.env.MLGEN_RELIABILITY_SEED ?? 11);
const CONCURRENCY = 2;

const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$|node:internal\//m;
const LOCATED = /^[^\s:]+:\d+:\d+ (error|warning) [A-Z]+\.[A-Z_]+ \S/;
const SUMMARY = /^\d+ (errors?|warnings?)(, \d+ warnings?)?$/;

/** Diagnostic lines (not `  fix:` continuations, not the count) that carry no `file:line:col` and code. */
function unlocated(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith(' ') && !SUMMARY.test(l) && !LOCATED.test(l));
}

/**
 * Every file of a project but mlgen's local cache (`.mlgen/cache/`, gitignored): the first sync of
 * a fresh clone fills it, which is not output and not what "writes nothing" is about.
 */
const outputsOf = (dir: string) => Object.fromEntries(Object.entries(treeHashes(dir)).filter(([p]) => !p.startsWith('.mlgen/cache/')));
const without = (hashes: Record<string, string>, path: string) => Object.fromEntries(Object.entries(hashes).filter(([p]) => p !== path));

describe(`${SCALE.mutations} mutated configs through \`mlgen sync\` (built CLI, child processes)`, () => {
  const bases = new Map<string, { dir: string; text: string; hashes: Record<string, string> }>();
  const dirs: string[] = [];

  beforeAll(async () => {
    for (const name of EXAMPLES) {
      const dir = await copyExample(name);
      dirs.push(dir);
      // The committed example is in sync: its first sync writes only mlgen's local merge-base cache.
      const before = outputsOf(dir);
      const first = await runCli(dir, ['sync']);
      expect({ code: first.code, stderr: first.stderr, changed: outputsOf(dir) }).toEqual({ code: 0, stderr: '', changed: before });
      bases.set(name, { dir, text: await readFile(join(dir, 'mlservice.yaml'), 'utf8'), hashes: without(before, 'mlservice.yaml') });
    }
  });

  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('refuses every invalid mutant with exit 65 and located errors, writes nothing, never crashes or prints a stack trace', async () => {
    const rnd = seededRandom(SEED);
    const mutants = Array.from({ length: SCALE.mutations }, (_, i) => {
      const base = EXAMPLES[i % EXAMPLES.length]!;
      return { i, base, ...mutate(bases.get(base)!.text, rnd) };
    });
    const projects = new Map<string, string>();
    const projectFor = async (worker: number, base: string) => {
      const key = `${worker}/${base}`;
      if (!projects.has(key)) {
        // A copy of the synced base (with its merge-base cache), so a refused sync must change nothing at all.
        const dir = await mkdtemp(join(tmpdir(), `mlgen-rel-${base}-`));
        await cp(bases.get(base)!.dir, dir, { recursive: true });
        dirs.push(dir);
        projects.set(key, dir);
      }
      return projects.get(key)!;
    };
    const results: Array<{ i: number; base: string; edits: string[]; run: CliRun; written: string[] }> = [];
    await inParallel(mutants, CONCURRENCY, async (m, worker) => {
      const dir = await projectFor(worker, m.base);
      await writeFile(join(dir, 'mlservice.yaml'), m.text);
      const run = await runCli(dir, ['sync']);
      const after = without(outputsOf(dir), 'mlservice.yaml');
      const before = bases.get(m.base)!.hashes;
      const written = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((p) => before[p] !== after[p]);
      results.push({ i: m.i, base: m.base, edits: m.edits, run, written });
      if (written.length > 0) {
        // A valid mutant synced: start the next one from the synced base again.
        projects.delete(`${worker}/${m.base}`);
        await rm(dir, { recursive: true, force: true });
      }
    });
    results.sort((a, b) => a.i - b.i);

    const line = (r: (typeof results)[number]) => `#${r.i} ${r.base} [${r.edits.join('; ')}] exit ${r.run.code ?? r.run.signal}: ${(r.run.stderr || r.run.stdout).slice(0, 300)}`;
    const refused = results.filter((r) => r.run.code === 65);
    const synced = results.filter((r) => r.run.code === 0);
    const crashes = results.filter((r) => r.run.code !== 0 && r.run.code !== 65);
    const traces = results.filter((r) => STACK_FRAME.test(r.run.stdout + r.run.stderr));
    const unlocatedRuns = refused.filter((r) => unlocated(r.run.stderr).length > 0 || !r.run.stderr.split('\n').some((l) => LOCATED.test(l)));
    const wroteWhenRefused = results.filter((r) => r.run.code !== 0 && r.written.length > 0);
    const codes = new Set(refused.flatMap((r) => r.run.stderr.split('\n').flatMap((l) => (LOCATED.exec(l) ? [l.split(' ')[2]!] : []))));
    report('config-mutations', {
      seed: SEED,
      mutants: results.length,
      refused: refused.length,
      synced: synced.length,
      crashes: crashes.length,
      stackTraces: traces.length,
      unlocatedErrors: unlocatedRuns.length,
      refusedButWrote: wroteWhenRefused.length,
      distinctCodes: [...codes].sort(),
    });

    expect(crashes.map(line)).toEqual([]);
    expect(traces.map(line)).toEqual([]);
    expect(unlocatedRuns.map((r) => `${line(r)} -> ${unlocated(r.run.stderr).join(' | ')}`)).toEqual([]);
    expect(wroteWhenRefused.map((r) => `${line(r)} wrote ${r.written.join(', ')}`)).toEqual([]);
    // The mutations reach the validator's many rules, not one early refusal.
    expect(refused.length).toBeGreaterThan(results.length / 2);
    expect(codes.size).toBeGreaterThanOrEqual(5);
  });
});
