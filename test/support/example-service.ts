/**
 * A committed example (`examples/<name>/`) served for real, as a team runs it: a copy of the
 * project with the real ONNX models its hooks are written for (test/support/example-models.ts)
 * where `mlgen models pull` puts them, `node_modules` linked to exactly its generated dependencies
 * (the runtime from this process's private build), compiled with its own strict `tsc`, started as
 * a child process and ready (`/readyz` 200) on a free port of 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EXAMPLE_MODELS } from './example-models.js';
import { freePort } from './net.js';
import { buildMlp, writeMlflowModelDir } from './onnx-builder.js';
import { linkDependencies, REPO, tsc } from './service-project.js';

export interface ExampleService {
  dir: string;
  base: string;
  child: ChildProcess;
  /** Everything the process wrote so far, stdout (pino) and stderr. */
  output(): string;
  /** SIGTERM, wait for the exit, delete the copy. */
  stop(): Promise<void>;
}

/** Copies `examples/<name>`, places its models and compiles it; returns the copy's directory. */
export async function prepareExample(name: string): Promise<string> {
  const src = join(REPO, 'examples', name);
  const dir = await mkdtemp(join(tmpdir(), `mlgen-example-${name}-`));
  await cp(src, dir, { recursive: true, filter: (p) => !/(^|[/\\])(node_modules|dist)([/\\]|$)/.test(relative(src, p)) });
  // examples/minimal commits its model; the others are pulled from a registry in real life.
  for (const [model, opts] of Object.entries(EXAMPLE_MODELS[name] ?? {})) {
    if (name !== 'minimal') await writeMlflowModelDir(join(dir, 'models', model), buildMlp(opts), { runId: `run-${model}` });
  }
  await linkDependencies(dir);
  const compiled = await tsc(dir, true);
  if (compiled.code !== 0) throw new Error(`examples/${name} does not compile:\n${compiled.output}`);
  return dir;
}

/** Starts the compiled project in `dir` and waits for `/readyz`. */
export async function startProject(dir: string, env: Record<string, string> = {}): Promise<Omit<ExampleService, 'stop'> & { stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`service exited (${child.exitCode}): ${output}`);
    if (await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false)) break;
    if (i > 600) throw new Error(`service never became ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  return { dir, base, child, output: () => output, stop };
}

export async function startExample(name: string, env: Record<string, string> = {}): Promise<ExampleService> {
  const dir = await prepareExample(name);
  const running = await startProject(dir, env);
  return {
    ...running,
    async stop() {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
