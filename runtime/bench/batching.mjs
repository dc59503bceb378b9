// Micro-batching on vs off: one model, one row per request, a concurrency sweep with autocannon.
// Server and client share the machine's cores, so read ratios within one run, not absolute numbers.
// Usage: node runtime/bench/batching.mjs [seconds per point, default 5]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const runtimeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(runtimeDir, '..');
const seconds = Number(process.argv[2] ?? 5);
const supportOut = join(runtimeDir, 'bench', 'dist', 'support');

// Private builds (gitignored): tests in other processes may rewrite runtime/dist meanwhile.
const runtimeOut = join(runtimeDir, 'bench', 'dist', 'runtime');
execFileSync('npx', ['tsc', '-p', join(runtimeDir, 'tsconfig.json'), '--outDir', runtimeOut], { cwd: repo, stdio: 'inherit' });
execFileSync('npx', ['tsc', '--outDir', supportOut, '--module', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--esModuleInterop', join(repo, 'testkit/onnx-builder.ts')], {
  cwd: repo,
  stdio: 'inherit',
});
const { buildMlp, writeMlflowModelDir } = await import(pathToFileURL(join(supportOut, 'onnx-builder.js')).href);

const dir = mkdtempSync(join(tmpdir(), 'bench-batching-'));
await writeMlflowModelDir(join(dir, 'models', 'm'), buildMlp({ inputDim: 32, hidden: [256, 256], seed: 1 }));
const script = join(dir, 'service.mjs');
writeFileSync(
  script,
  `
import { startService } from ${JSON.stringify(pathToFileURL(join(runtimeOut, 'index.js')).href)};
const validate = (d) => Array.isArray(d?.features); validate.errors = null;
const enabled = process.env.BATCHING === 'on';
const svc = await startService({
  service: { name: 'bench', version: '0', description: '' },
  models: [{ name: 'm', source: 'bench' }],
  endpoints: [{ name: 'score', path: '/score', validate, model: 'm',
    batching: { enabled, maxBatchSize: 32, maxLatencyMs: 5, maxQueueRows: 100000 },
    preprocess: (i) => [{ features: i.features }], postprocess: (o) => ({ score: o[0].score[0] }) }],
  server: { port: 0, bodyLimitBytes: 1 << 20, shutdownGraceMs: 5000 },
  openapi: {},
}, { modelsDir: process.argv[2], port: 0, host: '127.0.0.1' });
await svc.ready;
console.log('READY ' + svc.url);
`,
);

async function start(batching) {
  const child = spawn(process.execPath, [script, join(dir, 'models')], { env: { ...process.env, BATCHING: batching, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise((ok) =>
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) ok(m[1]);
    }),
  );
  return { child, url };
}

const body = JSON.stringify({ features: Array.from({ length: 32 }, (_, i) => Math.sin(i)) });
const rows = [];
for (const batching of ['off', 'on']) {
  const { child, url } = await start(batching);
  // Warm the JIT and the sockets before the first measured point.
  await autocannon({ url: `${url}/score`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 8, duration: 2 });
  for (const connections of [1, 8, 32, 64]) {
    const r = await autocannon({ url: `${url}/score`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
    rows.push({ batching, connections, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
  }
  child.kill('SIGTERM');
  await new Promise((ok) => child.once('exit', ok));
}
console.table(rows);
