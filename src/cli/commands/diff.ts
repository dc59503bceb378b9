import path from 'node:path';
import { Option } from 'commander';
import { EXIT } from '../../diagnostics.js';
import type { SummaryFormat } from '../../review/index.js';
import type { CommandSpec } from '../command.js';
import { CONFIG_FILE, configPath } from './validate.js';

export const diffCommand: CommandSpec = {
  name: 'diff',
  description:
    'summarize what mlservice.yaml changed since a git revision: models, A/B weights, batching, deploy, OpenAPI changes classed breaking / non-breaking, and local changes kept in generated files',
  options: [new Option('--base <ref>', 'git revision to compare with').default('HEAD'), new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text')],
  async run(opts, _args, io) {
    const file = configPath(opts, io.cwd);
    const root = path.dirname(path.resolve(io.cwd, file));
    const [{ loadConfig }, { renderSummary, summarizeChanges }, { reviewBase }] = await Promise.all([import('../../config/index.js'), import('../../review/index.js'), import('../git-config.js')]);
    const { model } = await loadConfig(path.resolve(io.cwd, file));
    const { before, localChanges } = await reviewBase(root, CONFIG_FILE, String(opts.base));
    io.out(renderSummary(summarizeChanges(before, model, localChanges), opts.format as SummaryFormat).replace(/\n$/, ''));
    return EXIT.ok;
  },
};
