import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { DiagnosticError, EXIT } from '../../diagnostics.js';
import type { CliCode } from '../codes.js';
import type { CommandSpec } from '../command.js';
import { runSync } from './sync.js';
import { CONFIG_FILE } from './validate.js';

export const initCommand: CommandSpec = {
  name: 'init',
  description: 'start a new service: write a starter mlservice.yaml (flags as in `yo mlservice`) and sync',
  options: [
    new Option('--name <name>', 'service name (DNS-1123 label); default: the directory name'),
    new Option('--model <source>', 'first model source; default: models:/<name>/1'),
    new Option('--fields <list>', 'input fields as name:type,...; default: user_id:string,age:number,score:number'),
    new Option('--ab-model <source>', 'treatment model source: adds a sticky A/B split'),
    new Option('--ab-weight <percent>', 'treatment weight in percent; default: 10').argParser(Number),
    new Option('--ab-unit <field>', 'input field that keeps A/B assignment sticky'),
    new Option('--yes', 'accepted as in `yo mlservice`; init never asks, unset flags take the defaults'),
  ],
  async run(opts, _args, io) {
    const root = path.resolve(io.cwd, String(opts.dir ?? '.'));
    const target = path.join(root, CONFIG_FILE);
    if (existsSync(target)) {
      const code: CliCode = 'CLI.CONFIG_EXISTS';
      const fix = 'edit it and run `mlgen sync`, or init into an empty directory';
      throw new DiagnosticError([{ code, severity: 'error', message: 'already exists; nothing written', fix, file: target, line: 0, col: 0 }], EXIT.conflict);
    }
    const { starterAnswers, starterFile } = await import('../../scaffold/starter.js');
    // The same answers and checks as `yo mlservice`; a refused answer writes nothing.
    const text = starterFile(
      starterAnswers(root, {
        name: opts.name as string | undefined,
        model: opts.model as string | undefined,
        fields: opts.fields as string | undefined,
        abModel: opts.abModel as string | undefined,
        abWeight: opts.abWeight as number | undefined,
        abUnit: opts.abUnit as string | undefined,
      }),
    );
    await mkdir(root, { recursive: true });
    await writeFile(target, text, { flag: 'wx' });
    io.out(`wrote ${path.relative(io.cwd, target) || CONFIG_FILE}`);
    return runSync(root, {}, io);
  },
};
