/**
 * `@mlservice/runtime/testing`: the smoke test every generated project runs (`npm test`, before an
 * image is built and by CI). The generated `test/smoke.test.mjs` holds only what the config
 * decides, the cases; this harness starts the built service (`dist/main.js`) on a free port against
 * `models/`, waits for readiness, then posts each case's example and expects a 200 with a JSON
 * object. It registers `node:test` tests, so it runs under `node --test`, with no dependency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { equal } from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PATHS } from './names.js';

export interface SmokeCase {
  /** The endpoint's path, e.g. `/v1/rank`. */
  path: string;
  /** A request body the endpoint must answer with 200 (the endpoint's first example). */
  example: unknown;
}

export interface SmokeOptions {
  /** The service's entry point, relative to the working directory (default `dist/main.js`). */
  entry?: string;
  /** How long readiness may take, in ms (default 60 s: models load and warm first). */
  readyTimeoutMs?: number;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Polls readiness until it answers 200; fails fast if the service exits. */
async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (const deadline = Date.now() + timeoutMs; !exited && Date.now() < deadline; ) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(exited ? 'the service exited before it was ready' : `${url} never answered 200`);
}

/** Registers one `node:test` test per case against the built service, started once for all of them. */
export function smokeTest(cases: readonly SmokeCase[], options: SmokeOptions = {}): void {
  let child: ChildProcess | undefined;
  let base = '';
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [options.entry ?? 'dist/main.js'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitReady(base + PATHS.ready, child, options.readyTimeoutMs ?? 60_000);
  });
  after(async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
  for (const { path, example } of cases) {
    test(`POST ${path} answers its first example`, async () => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(example),
      });
      const text = await res.text();
      equal(res.status, 200, text);
      equal(typeof JSON.parse(text), 'object');
    });
  }
}
