/**
 * Every committed example, as a team would run it: copy the project, put real ONNX models where
 * `mlgen models pull` would, compile it with strict tsc, start it as a child process and send its
 * documented example requests over HTTP. Each answer must equal the example's own hooks plus
 * onnxruntime-node run directly on the same rows (the batcher and router must not change results).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { EndpointSpec } from '../../src/config/model.js';
import { mlgen, REPO } from '../support/cli.js';
import { EXAMPLE_MODELS } from '../../testkit/example-models.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { buildClient, runClient } from '../support/openapi-client.js';
import { promtoolCheckMetrics, promtoolMissing } from '../support/promtool.js';
import { freePort } from '../../testkit/net.js';

const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true, maxRetries: 3 }));
});

/** A copy of the example with models in place, compiled; returns its directory. */
async function prepare(name: string): Promise<string> {
  const src = path.join(REPO, 'examples', name);
  const dir = mkdtempSync(path.join(tmpdir(), `mlgen-example-${name}-`));
  dirs.push(dir);
  cpSync(src, dir, { recursive: true, filter: (p) => !/[/\\](node_modules|dist)([/\\]|$)/.test(path.relative(src, p)) });
  for (const [model, opts] of Object.entries(EXAMPLE_MODELS[name] ?? {})) {
    if (name !== 'minimal') await writeMlflowModelDir(path.join(dir, 'models', model), buildMlp(opts), { runId: `run-${model}` });
  }
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  return dir;
}

async function start(dir: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: 'inherit' });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service not ready after 60 s');
}

/** The example's own hooks and onnxruntime run directly: what the service must answer. */
async function expected(dir: string, endpoint: EndpointSpec, model: string, body: Record<string, unknown>): Promise<unknown> {
  const { hooks } = (await import(pathToFileURL(path.join(dir, 'dist/hooks.js')).href)) as { hooks: Record<string, any> };
  const ctx = { endpoint: endpoint.name, variant: 'direct', model: { name: model, version: 'direct' } };
  const rows = (await hooks[endpoint.name].preprocess(body, ctx)) as Array<Record<string, Float32Array>>;
  const session = await ort.InferenceSession.create(path.join(dir, 'models', model, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of session.inputNames) {
    const width = rows[0]![input]!.length;
    const data = new Float32Array(rows.length * width);
    rows.forEach((r, i) => data.set(r[input]!, i * width));
    feeds[input] = new ort.Tensor('float32', data, [rows.length, width]);
  }
  const out = await session.run(feeds);
  const outputs = rows.map((_, i) =>
    Object.fromEntries(
      session.outputNames.map((n) => {
        const t = out[n]!;
        const width = t.data.length / rows.length;
        return [n, (t.data as Float32Array).slice(i * width, (i + 1) * width)];
      }),
    ),
  );
  return hooks[endpoint.name].postprocess(outputs, body, ctx);
}

describe.each(Object.keys(EXAMPLE_MODELS).sort())('examples/%s served for real', (example) => {
  let dir = '';
  let url = '';
  // Every test needs the compiled, running service and sends its own requests, so each runs alone.
  beforeAll(async () => {
    dir = await prepare(example);
    url = await start(dir);
  });

  it('compiles under strict tsc, checks clean with models present, and becomes ready', async () => {
    expect(mlgen(dir, ['check']).code).toBe(0);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('answers every documented example exactly as its hooks + onnxruntime do', async () => {
    const { model } = await loadConfig(path.join(dir, 'mlservice.yaml'));
    let checked = 0;
    for (const endpoint of model.endpoints) {
      for (const body of endpoint.examples) {
        const res = await fetch(`${url}${endpoint.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const answer = await res.json();
        expect(res.status, JSON.stringify(answer)).toBe(200);
        const variant = res.headers.get('x-mlservice-variant');
        const served = endpoint.ab ? endpoint.ab.variants.find((v) => v.name === variant)!.model : endpoint.model!;
        expect(answer).toEqual(await expected(dir, endpoint, served, body));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('rejects a body missing a required field with 400 problem+json naming it', async () => {
    const { model } = await loadConfig(path.join(dir, 'mlservice.yaml'));
    const endpoint = model.endpoints[0]!;
    const required = (endpoint.input.required as string[])[0]!;
    const body = { ...endpoint.examples[0] };
    delete body[required];
    const res = await fetch(`${url}${endpoint.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer)).toContain(`/${required}`);
  });

  it('is called correctly by a client from openapi-typescript (default options) + openapi-fetch, compiled with tsc --strict', async () => {
    const { model } = await loadConfig(path.join(dir, 'mlservice.yaml'));
    const built = await buildClient(dir, model, `${url}/openapi.json`);
    expect(built.generate.code, built.generate.output).toBe(0);
    expect(built.tsc).toEqual({ code: 0, output: '' });
    const calls = await runClient(dir, url);
    const want: unknown[] = [];
    for (const endpoint of model.endpoints) {
      for (const body of endpoint.examples) {
        const variant = calls[want.length]!.variant!;
        const served = endpoint.ab ? endpoint.ab.variants.find((v) => v.name === variant)!.model : endpoint.model!;
        want.push({ path: endpoint.path, status: 200, variant, data: await expected(dir, endpoint, served, body) });
      }
      if ((endpoint.input.required as string[] | undefined)?.length) {
        const refused = calls[want.length] as { error?: { type?: string } };
        want.push({ path: endpoint.path, status: 400, variant: null, error: { ...refused.error, type: 'urn:mlservice:problem:invalid-request', status: 400 } });
      }
    }
    want.push({ path: '/livez', status: 200, variant: null, data: { status: 'ok' } });
    expect(calls).toEqual(want);
    // Two compilers on a shared 2-core machine: a guard against a hang, not a speed target.
  }, 180_000);

  it('exposes /metrics that promtool check metrics finds clean', async () => {
    expect(promtoolMissing()).toBeNull();
    // One answered request of its own, so the request counters have a labelled series to show.
    const endpoint = (await loadConfig(path.join(dir, 'mlservice.yaml'))).model.endpoints[0]!;
    const res = await fetch(`${url}${endpoint.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(endpoint.examples[0]) });
    expect(res.status).toBe(200);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('mlservice_requests_total{');
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, output: '' });
  });
});
