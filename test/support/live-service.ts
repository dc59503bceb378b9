/**
 * A generated service running for real: the TypeScript emitters' output for an mlservice.yaml,
 * real ONNX models in `models/`, compiled with the project's strict `tsc`, started as a child
 * process and ready (`/readyz` 200) on a free port of 127.0.0.1.
 * `compileService` and `spawnService` split that in two for tests that start one compiled project
 * many times (several instances, restarts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { freePort } from '../../testkit/net.js';
import { buildRuntime, makeServiceProject, tsc } from '../../testkit/service-project.js';

export interface LiveService {
  dir: string;
  model: ServiceModel;
  base: string;
  child: ChildProcess;
  /** Everything the process wrote so far (pino logs to stdout, Node's errors to stderr). */
  stderr(): string;
  /** SIGTERM, wait for the exit, delete the project. */
  stop(): Promise<void>;
}

export interface LiveOptions {
  /** mlservice.yaml text, or the model it normalizes to. */
  yaml?: string;
  model?: ServiceModel;
  /** Writes the model files under `<dir>/models` before sync reads them. */
  models(modelsDir: string): Promise<void>;
  /** Replaces the generated `src/hooks.ts` (the user's file) before compiling. */
  hooks?: string;
  env?: Record<string, string>;
  /** Node options for the service process (e.g. `--import` of a test probe). */
  execArgv?: string[];
}

export interface CompiledService {
  dir: string;
  model: ServiceModel;
  /** Deletes the project. */
  cleanup(): Promise<void>;
}

/** Generates and compiles the project (`dist/main.js`); throws with tsc's output when it does not compile. */
export async function compileService(opts: Omit<LiveOptions, 'env' | 'execArgv'>): Promise<CompiledService> {
  await buildRuntime();
  const model = opts.model ?? parseConfigText(opts.yaml ?? '', 'mlservice.yaml');
  const { dir, cleanup } = await makeServiceProject(model, opts.models);
  if (opts.hooks !== undefined) await writeFile(join(dir, 'src/hooks.ts'), opts.hooks);
  const compiled = await tsc(dir, true);
  if (compiled.code !== 0) throw new Error(`the generated service does not compile:\n${compiled.output}`);
  return { dir, model, cleanup };
}

export interface ServiceProcess {
  base: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote so far (pino logs to stdout, Node's errors to stderr). */
  output(): string;
  /** Resolves when `/readyz` answers 200; throws when the process exits first. */
  ready(): Promise<void>;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/main.js` of a compiled project on `port` (a free one when omitted). */
export async function spawnService(dir: string, opts: { port?: number; env?: Record<string, string>; execArgv?: string[] } = {}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), 'dist/main.js'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const base = `http://127.0.0.1:${port}`;
  const ready = async () => {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service exited (${child.exitCode ?? child.signalCode}): ${output}`);
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        return;
      if (i > 600) throw new Error(`service never became ready: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { base, port, child, output: () => output, ready, exited };
}

export async function startLiveService(opts: LiveOptions): Promise<LiveService> {
  const { dir, model, cleanup } = await compileService(opts);
  const proc = await spawnService(dir, { env: opts.env, execArgv: opts.execArgv });
  await proc.ready();
  const { child } = proc;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await proc.exited;
    }
    await cleanup();
  };
  return { dir, model, base: proc.base, child, stderr: proc.output, stop };
}

/** POSTs raw JSON text (so `1e400` can be sent as written); the answer's status and parsed body. */
export async function postRaw(base: string, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; contentType: string; json: any }> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json: text === '' ? undefined : JSON.parse(text) };
}

/** A started service process that can be stopped. */
export type StartedService = ServiceProcess & { stop(): Promise<void> };

/** Starts a compiled project, waits for `/readyz` 200; `stop()` sends SIGTERM and waits for the exit. */
export async function startServiceProcess(dir: string, env: Record<string, string> = {}, execArgv: string[] = []): Promise<StartedService> {
  const proc = await spawnService(dir, { env, execArgv });
  await proc.ready();
  const stop = async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  };
  return { ...proc, stop };
}
