import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../../config/file.js';
import { EXIT } from '../../diagnostics.js';
import type { CommandSpec } from '../command.js';

export { CONFIG_FILE };

/** The config path as users see it in messages: relative to where they ran mlgen. */
export function configPath(opts: Record<string, unknown>, cwd: string): string {
  const dir = path.resolve(cwd, String(opts.dir ?? '.'));
  return path.relative(cwd, path.join(dir, CONFIG_FILE)) || CONFIG_FILE;
}

export const validateCommand: CommandSpec = {
  name: 'validate',
  description: 'check mlservice.yaml against the schema and the semantic rules; print every error (exit 65)',
  async run(opts, _args, io) {
    const file = configPath(opts, io.cwd);
    const { loadConfig } = await import('../../config/index.js');
    const { model } = await loadConfig(path.resolve(io.cwd, file));
    io.out(`${file}: ok (${model.models.length} model${model.models.length === 1 ? '' : 's'}, ${model.endpoints.length} endpoint${model.endpoints.length === 1 ? '' : 's'})`);
    return EXIT.ok;
  },
};

export const schemaCommand: CommandSpec = {
  name: 'schema',
  description: 'print the JSON Schema of mlservice.yaml (for editors and other tools)',
  async run(_opts, _args, io) {
    io.out(readFileSync(new URL('../../../../schemas/mlservice.schema.json', import.meta.url), 'utf8'));
    return EXIT.ok;
  },
};
