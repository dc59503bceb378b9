import path from 'node:path';
import { Option } from 'commander';
import type { ServiceModel } from '../../config/index.js';
import { DiagnosticError, EXIT } from '../../diagnostics.js';
import type { SyncResult } from '../../sync/index.js';
import type { ReviewBase } from '../git-config.js';
import type { Io } from '../io.js';
import type { CommandSpec } from '../command.js';

export interface SyncFlags {
  dryRun?: boolean;
  diff?: boolean;
  force?: boolean;
  merge?: boolean;
  json?: boolean;
}

/** Shared by `sync`, `init` and `yo mlservice`: one orchestration, one way of reporting it. */
export async function runSync(root: string, flags: SyncFlags, io: Io, check = false): Promise<number> {
  // Loaded here, not at the top: `mlgen --version` and the other commands skip the sync engine and
  // every emitter (~0.2 s of module loading).
  const { NO_OP_ACTIONS, renderDiffs, renderPlanJson, renderPlanTable, syncProject } = await import('../../sync/index.js');
  const result = await syncProject(root, {
    dryRun: flags.dryRun === true,
    check,
    force: flags.force === true,
    merge: flags.merge === true,
  });
  if (flags.json) {
    io.out(renderPlanJson(result).replace(/\n$/, ''));
    return result.exitCode;
  }
  if (flags.diff) {
    const diffs = renderDiffs(result);
    if (diffs) io.out(diffs.replace(/\n$/, ''));
  }
  io.out(renderPlanTable(result).replace(/\n$/, ''));
  io.out(footer(result, check, flags, io, NO_OP_ACTIONS));
  if (!check && !result.refused) await printSummary(root, result.model, io);
  return result.exitCode;
}

/** The reviewers' summary against HEAD's config; informative only, so it never changes the exit code. */
async function printSummary(root: string, model: ServiceModel, io: Io): Promise<void> {
  const [{ CONFIG_FILE }, { renderSummary, summarizeChanges }, { reviewBase }] = await Promise.all([import('../../sync/index.js'), import('../../review/index.js'), import('../git-config.js')]);
  let base: ReviewBase;
  try {
    base = await reviewBase(root, CONFIG_FILE);
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    // Git unreadable (not a repository, another owner ...): say why, never "New service".
    const git = e.diagnostics.find((d) => d.code.startsWith('REVIEW.'));
    io.out(`\n(no change summary: ${git ? git.message : `HEAD's ${CONFIG_FILE} does not validate`}; see \`mlgen diff\`)`);
    return;
  }
  const summary = summarizeChanges(base.before, model, base.localChanges);
  if (summary.items.length > 0 || summary.localChanges.some((l) => l.status !== 'kept')) io.out(`\nChanges since HEAD's ${CONFIG_FILE}:\n${renderSummary(summary, 'text').replace(/\n$/, '')}`);
}

function footer(r: SyncResult, check: boolean, flags: SyncFlags, io: Io, noOp: ReadonlySet<string>): string {
  const c = io.color;
  if (check) {
    const kept = r.entries.filter((e) => e.action === 'local').length;
    const note = kept === 0 ? '' : ` (${kept} generated file${kept === 1 ? ' keeps a local change' : 's keep local changes'}; \`mlgen diff\` shows ${kept === 1 ? 'it' : 'them'})`;
    if (r.exitCode === EXIT.ok) return c.green(`check: in sync${note}`);
    if (r.exitCode === EXIT.drift) return c.yellow('check: drift; fix: run `mlgen sync` and commit the result');
    return c.red('check: generated files were edited by hand; fix: move the logic to src/hooks.ts or mlservice.yaml, or run `mlgen sync --merge` / `--force`');
  }
  if (r.refused) return c.red('sync refused: nothing was written; see the remedies above');
  if (flags.dryRun) return `dry run: nothing written (${r.entries.filter((e) => !noOp.has(e.action)).length} change(s) planned)`;
  return `sync: ${r.written.length} written, ${r.deleted.length} deleted`;
}

function rootOf(opts: Record<string, unknown>, io: Io): string {
  return path.resolve(io.cwd, String(opts.dir ?? '.'));
}

export const syncCommand: CommandSpec = {
  name: 'sync',
  description: 'regenerate every output from mlservice.yaml; refuses (exit 2, nothing written) when a generated file was edited by hand',
  options: [
    new Option('--dry-run', 'print the plan, write nothing'),
    new Option('--diff', 'print unified diffs of what changes'),
    new Option('--force', 'overwrite hand-edited generated files (a backup goes to .mlgen/backup/)'),
    new Option('--merge', 'three-way merge hand edits with the new output (base: the bytes mlgen last wrote, from git or .mlgen/cache)'),
    new Option('--json', 'print the plan and result as JSON'),
  ],
  run: (opts, _args, io) => runSync(rootOf(opts, io), opts as SyncFlags, io),
};

export const checkCommand: CommandSpec = {
  name: 'check',
  description: 'CI gate, writes nothing: exit 0 in sync, 1 drift, 2 hand-edited generated files, 65 invalid config',
  options: [new Option('--diff', 'print unified diffs of the drift'), new Option('--json', 'print the plan as JSON')],
  run: (opts, _args, io) => runSync(rootOf(opts, io), opts as SyncFlags, io, true),
};
