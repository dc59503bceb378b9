import path from 'node:path';
import { Option } from 'commander';
import { DiagnosticError, EXIT, formatDiagnostic } from '../../diagnostics.js';
import type { CommandSpec } from '../command.js';
import type { Io } from '../io.js';
import { configPath } from './validate.js';

/** The config and the models feature, imported only when a models command runs. */
async function loadProject(opts: Record<string, unknown>, io: Io) {
  const [{ loadConfig }, models] = await Promise.all([import('../../config/index.js'), import('../../models/index.js')]);
  const file = configPath(opts, io.cwd);
  const { model } = await loadConfig(path.resolve(io.cwd, file));
  return { file, model, models };
}

const pull: CommandSpec = {
  name: 'pull',
  description: 'resolve every model source (MLflow registry via MLFLOW_TRACKING_URI, local paths, https URLs) into models/<name>/ and write models.lock.json',
  options: [
    new Option('--only <names...>', 'pull only these models (the lock keeps the others)'),
    new Option('--force', 'download again even when the locked version is already on disk'),
    new Option('--locked', 'pull exactly the versions in models.lock.json (no alias or latest re-resolution), check every file against its sha256 and leave the lock as it is'),
  ],
  async run(opts, _args, io) {
    const {
      file,
      model,
      models: { createProgressRenderer, LOCK_FILE, pullModels },
    } = await loadProject(opts, io);
    const root = path.dirname(path.resolve(io.cwd, file));
    const result = await pullModels(root, model, {
      env: io.env,
      only: opts.only as string[] | undefined,
      force: opts.force === true,
      locked: opts.locked === true,
      // On a terminal the renderer redraws one status line; elsewhere it prints one line per model.
      onProgress: createProgressRenderer({
        write: io.tty ? (s: string) => process.stdout.write(s) : (s: string) => io.out(s.replace(/\n$/, '')),
        isTTY: io.tty,
      }),
    });
    io.out(opts.locked === true ? `models match ${LOCK_FILE} (locked)` : result.lockChanged ? 'models.lock.json updated' : 'models.lock.json unchanged');
    return EXIT.ok;
  },
};

const verify: CommandSpec = {
  name: 'verify',
  description: 'check that models/ matches models.lock.json and the lock matches mlservice.yaml (run before building an image)',
  async run(opts, _args, io) {
    const {
      file,
      model,
      models: { LOCK_FILE, verifyModels },
    } = await loadProject(opts, io);
    const diagnostics = await verifyModels(path.dirname(path.resolve(io.cwd, file)), model);
    if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticError(diagnostics, EXIT.invalidConfig);
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    io.out(`models match ${LOCK_FILE}`);
    return EXIT.ok;
  },
};

export const modelsCommand: CommandSpec = {
  name: 'models',
  description: 'work with the models the service serves (`models pull`, `models verify`)',
  subcommands: [pull, verify],
  async run(_opts, _args, io) {
    io.err('usage: mlgen models pull [--only <names...>] [--force] [--locked] | mlgen models verify');
    return EXIT.usage;
  },
};
