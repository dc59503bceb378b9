import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { DiagnosticError, EXIT, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { registerCommands } from './commands/index.js';
import { generatorInfo } from '../version.js';
import { processIo, type Io } from './io.js';

/**
 * `mlgen`: every subcommand is a thin front-end over the core (config, sync, review, models).
 * Returns the exit code instead of exiting so tests can run the CLI in-process.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Help and version end here with code 0; usage errors print their own message.
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (e instanceof DiagnosticError) {
    for (const d of e.diagnostics) io.err(colorize(formatDiagnostic(relativeTo(d, io.cwd)), io));
    const errors = e.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}`);
    return e.exitCode;
  }
  const err = e as Error;
  io.err(`mlgen: internal error: ${err?.message ?? String(e)}`);
  if (io.env.MLGEN_DEBUG) io.err(err?.stack ?? '');
  else io.err('  fix: rerun with MLGEN_DEBUG=1 for a stack trace and report it');
  return EXIT.internal;
}

/** Diagnostics name files as the user would type them: relative to where mlgen runs. */
function relativeTo(d: Diagnostic, cwd: string): Diagnostic {
  return path.isAbsolute(d.file) ? { ...d, file: path.relative(cwd, d.file) || d.file } : d;
}

function colorize(text: string, io: Io): string {
  return text.replace(/ (error|warning) /, (_m, sev: string) => ` ${sev === 'error' ? io.color.red(sev) : io.color.yellow(sev)} `);
}

function buildProgram(io: Io, setCode: (c: number) => void): Command {
  const program = new Command('mlgen')
    .description('Generate and keep in sync a real-time inference service from mlservice.yaml')
    .version(generatorInfo().version, '-v, --version')
    .option('-C, --dir <path>', 'project directory (holds mlservice.yaml)', '.')
    .showHelpAfterError('(run mlgen --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride();
  const run =
    (fn: (opts: Record<string, unknown>, cmd: Command) => Promise<number>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      setCode(await fn(cmd.optsWithGlobals(), cmd));
    };
  const commands = registerCommands();
  for (const c of commands) {
    const cmd = program.command(c.name).description(c.description);
    for (const o of c.options ?? []) cmd.addOption(o);
    for (const a of c.args ?? []) cmd.argument(a);
    cmd.action(run((opts, command) => c.run(opts, command.args, io)));
    if (c.subcommands) {
      for (const s of c.subcommands) {
        const sub = cmd.command(s.name).description(s.description);
        for (const o of s.options ?? []) sub.addOption(o);
        sub.action(run((opts, command) => s.run(opts, command.args, io)));
      }
    }
  }
  return program;
}
