import path from 'node:path';
import { Option } from 'commander';
import { EXIT } from '../../diagnostics.js';
import type { CommandSpec } from '../command.js';
import { configPath } from './validate.js';

const install: CommandSpec = {
  name: 'install',
  description:
    'save deploy/spinnaker/ into Spinnaker through gate: the canary config (Kayenta, upsert by id), then the deploy and rollback pipelines (by their ids); unchanged objects are not written',
  options: [
    new Option('--gate <url>', 'Spinnaker gate base URL (default: $SPINNAKER_GATE_URL); a bearer token is read from $SPINNAKER_GATE_TOKEN'),
    new Option('--kayenta <url>', "Kayenta's own base URL, to save the canary config there instead of through gate"),
    new Option('--dry-run', 'read what Spinnaker holds and print what would change; write nothing'),
  ],
  async run(opts, _args, io) {
    const [{ SpinnakerApi }, { describeStep, installSpinnaker }, { SpinnakerError }] = await Promise.all([
      import('../../spinnaker/gate.js'),
      import('../../spinnaker/install.js'),
      import('../../spinnaker/codes.js'),
    ]);
    const root = path.dirname(path.resolve(io.cwd, configPath(opts, io.cwd)));
    const gate = (opts.gate as string | undefined) || io.env.SPINNAKER_GATE_URL;
    if (!gate) {
      throw new SpinnakerError(
        'SPINNAKER.NO_GATE',
        'no Spinnaker gate URL',
        'pass --gate https://gate.example.com or set SPINNAKER_GATE_URL (in CI: the repository secret of that name)',
        'mlgen spinnaker install',
        EXIT.usage,
      );
    }
    const api = new SpinnakerApi({ gate, kayenta: opts.kayenta as string | undefined, token: io.env.SPINNAKER_GATE_TOKEN || undefined });
    const dryRun = opts.dryRun === true;
    const steps = await installSpinnaker(root, api, dryRun);
    for (const s of steps) io.out(describeStep(s, dryRun));
    return EXIT.ok;
  },
};

export const spinnakerCommand: CommandSpec = {
  name: 'spinnaker',
  description: 'work with the generated Spinnaker pipelines and canary config (`spinnaker install`)',
  subcommands: [install],
  async run(_opts, _args, io) {
    io.err('usage: mlgen spinnaker install [--gate <url>] [--kayenta <url>] [--dry-run]');
    return EXIT.usage;
  },
};
