import pc from 'picocolors';

/** Where a command writes, and whether it may colour. Injected so tests run the CLI in-process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  color: ReturnType<typeof pc.createColors>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout is a terminal: live progress lines may be redrawn. */
  tty: boolean;
}

/** Colour only on a TTY and never when NO_COLOR is set (any value, per no-color.org). */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    color: pc.createColors(colorEnabled(process.stdout, process.env)),
    cwd: process.cwd(),
    env: process.env,
    tty: process.stdout.isTTY === true,
  };
}
