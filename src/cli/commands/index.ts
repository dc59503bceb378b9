import type { CommandSpec } from '../command.js';
import { checkCommand, syncCommand } from './sync.js';
import { diffCommand } from './diff.js';
import { initCommand } from './init.js';
import { modelsCommand } from './models.js';
import { schemaCommand, validateCommand } from './validate.js';
import { spinnakerCommand } from './spinnaker.js';

/** Every subcommand, in the order `mlgen --help` lists them. */
export function registerCommands(): CommandSpec[] {
  return [initCommand, validateCommand, syncCommand, checkCommand, diffCommand, modelsCommand, spinnakerCommand, schemaCommand];
}
