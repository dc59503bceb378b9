import path from 'node:path';
import { Option } from 'commander';
import { loadConfig } from '../../config/index.js';
import { EXIT } from '../../diagnostics.js';
import { createProgressRenderer, pullModels } from '../../models/index.js';
import type { CommandSpec } from '../main.js';
import { configPath } from './validate.js';

const pull: CommandSpec = {
  name: 'pull',
  description:
    'resolve every model source (MLflow registry via MLFLOW_TRACKING_URI, local paths, https URLs) into models/<name>/ and write models.lock.json',
  options: [new Option('--only <names...>', 'pull only these models (the lock keeps the others)')],
  async run(opts, _args, io) {
    const file = configPath(opts, io.cwd);
    const { model } = await loadConfig(path.resolve(io.cwd, file));
    const root = path.dirname(path.resolve(io.cwd, file));
    const result = await pullModels(root, model, {
      env: io.env,
      only: opts.only as string[] | undefined,
      onProgress: createProgressRenderer({ write: (s: string) => io.out(s.replace(/\n$/, '')) }),
    });
    io.out(result.lockChanged ? 'models.lock.json updated' : 'models.lock.json unchanged');
    return EXIT.ok;
  },
};

export const modelsCommand: CommandSpec = {
  name: 'models',
  description: 'work with the models the service serves (see `mlgen models pull --help`)',
  subcommands: [pull],
  async run(_opts, _args, io) {
    io.err('usage: mlgen models pull [--only <names...>]');
    return 64;
  },
};
