import type { Option } from 'commander';
import type { Io } from './io.js';

/**
 * One `mlgen` subcommand as the commands declare it; `main.ts` turns each into a commander
 * command. Kept apart from main.ts so the commands never import the module that imports them.
 */
export interface CommandSpec {
  name: string;
  description: string;
  args?: string[];
  options?: Option[];
  subcommands?: CommandSpec[];
  /** Returns the exit code. */
  run(opts: Record<string, unknown>, args: string[], io: Io): Promise<number>;
}
