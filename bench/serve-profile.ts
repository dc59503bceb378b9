/**
 * `npm run bench:profile`: where a request's CPU goes. Starts one server per variant under
 * `node --cpu-prof`, loads it with wrk, and attributes the main thread's self time to the package
 * or subsystem of each sampled frame. Prints microseconds per request per category, side by side,
 * and writes bench/results/serve-profile.md (and the raw .cpuprofile files to BENCH_PROFILE_DIR
 * when set, for a flame graph in Chrome DevTools or speedscope).
 *
 * The profile covers the main (event-loop) thread only; onnxruntime's own intra-op threads are not
 * sampled, which is why the process CPU per request is printed beside it.
 *
 * Env: BENCH_SERVERS (gen-batch-2ms,batcher,bare), BENCH_MODELS (large), BENCH_CONNS (64), BENCH_SECONDS (10).
 */
import { readdir, readFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlp } from '../testkit/onnx-builder.js';
import { load } from './serve-load.js';
import { generatedProject, REPO, SERVERS_DIR, startServer, writeModel, type Server } from './serve-servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The bucket a frame's self time counts against. Order matters: the first match wins. */
const CATEGORIES: Array<[string, (url: string, fn: string) => boolean]> = [
  ['idle', (_u, fn) => fn === '(idle)'],
  ['gc', (_u, fn) => fn === '(garbage collector)'],
  ['onnxruntime-node', (u) => u.includes('onnxruntime')],
  ['prom-client', (u) => u.includes('prom-client')],
  ['pino / logging', (u) => u.includes('/pino') || u.includes('sonic-boom') || u.includes('fast-redact') || u.includes('thread-stream')],
  // Compiled by @mlservice/runtime at start-up with `new Function` (no script URL); ajv names them `validate<N>`.
  ['ajv validators (compiled at start-up)', (u, fn) => u === '' && /^validate\d+$/.test(fn)],
  ['hooks (generated / user)', (u) => u.includes('/generated/') || u.endsWith('/hooks.js')],
  ['runtime: batcher', (u) => u.includes('/runtime') && u.endsWith('/batcher.js')],
  ['runtime: tensors', (u) => u.includes('/runtime') && u.endsWith('/tensors.js')],
  ['runtime: predict route', (u) => u.includes('/runtime') && u.endsWith('/predict-route.js')],
  ['runtime: A/B router', (u) => u.includes('/runtime') && u.endsWith('/ab-router.js')],
  ['runtime: other', (u) => u.includes('/runtime/') || u.includes('mlgen-test-runtime')],
  ['json parse (secure-json-parse)', (u) => u.includes('secure-json-parse')],
  ['json serialise (fast-json-stringify)', (u) => u.includes('fast-json-stringify')],
  ['fastify', (u) => u.includes('/fastify/') || u.includes('find-my-way') || u.includes('avvio') || u.includes('light-my-request') || u.includes('@fastify/')],
  ['bench server script', (u) => u.includes('/bench/servers/')],
  ['node: http', (u) => u.startsWith('node:_http') || u.startsWith('node:http')],
  ['node: net / streams', (u) => u.startsWith('node:net') || u.startsWith('node:internal/streams') || u.startsWith('node:stream') || u.startsWith('node:internal/stream_base')],
  ['node: timers / ticks / promises', (u) => u.startsWith('node:internal/timers') || u.startsWith('node:internal/process/task_queues') || u.startsWith('node:timers')],
  ['node: events', (u) => u.startsWith('node:events') || u.startsWith('node:internal/event_target')],
  ['node: other', (u) => u.startsWith('node:')],
  ['native / program', (u) => u === ''],
];

function category(url: string, fn: string): string {
  return CATEGORIES.find(([, test]) => test(url, fn))?.[0] ?? 'other';
}

/** Self time (µs) by category, from the samples of one profile. */
export function selfTimeByCategory(p: Profile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const cat = category(n.callFrame.url, n.callFrame.functionName);
    out.set(cat, (out.get(cat) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return out;
}

interface ProfileResult {
  name: string;
  reqPerSec: number;
  p99Ms: number;
  processCpuUs: number;
  requests: number;
  self: Map<string, number>;
}

async function profileOne(
  name: string,
  start: (profDir: string) => Promise<Server>,
  url: (s: Server) => string,
  bodyFile: string,
  conns: number,
  seconds: number,
  keep?: string,
): Promise<ProfileResult> {
  const profDir = await mkdtemp(join(tmpdir(), `mlgen-prof-${name}-`));
  const server = await start(profDir);
  await load(url(server), bodyFile, conns, 2);
  const cpu0 = await server.cpuSeconds();
  const r = await load(url(server), bodyFile, conns, seconds);
  const cpu1 = await server.cpuSeconds();
  await server.stop();
  const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as Profile;
  if (keep) await writeFile(join(keep, `${name}.cpuprofile`), JSON.stringify(profile));
  await rm(profDir, { recursive: true, force: true });
  // Requests during the whole profiled life: warm-up and measured load (the readiness polls are negligible).
  const requests = r.requests + r.reqPerSec * 2;
  return { name, reqPerSec: r.reqPerSec, p99Ms: r.p99Ms, processCpuUs: ((cpu1 - cpu0) * 1e6) / r.requests, requests, self: selfTimeByCategory(profile) };
}

/** Generated-service variants: the environment each one runs with. */
const GEN_ENV: Record<string, Record<string, string>> = {
  'gen-batch-2ms': {},
  'gen-batch-2ms-worker': { MLSERVICE_INFERENCE_THREAD: 'worker' },
  'gen-batch-2ms-ort1': { MLSERVICE_ORT_THREADS: '1' },
};

async function main(): Promise<void> {
  const servers = (process.env.BENCH_SERVERS ?? 'gen-batch-2ms,batcher,bare').split(',');
  const modelName = process.env.BENCH_MODELS ?? 'large';
  const conns = Number(process.env.BENCH_CONNS ?? 64);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const keep = process.env.BENCH_PROFILE_DIR;
  if (keep) await mkdir(keep, { recursive: true });
  const [dim, hidden] = modelName === 'small' ? [64, [256, 256]] : [256, [1024, 1024]];
  const work = await mkdtemp(join(tmpdir(), 'mlgen-bench-profile-'));
  const bytes = buildMlp({ inputName: 'input', inputDim: dim, hidden, seed: dim });
  const modelFile = await writeModel(join(work, 'model'), bytes);
  const bodyFile = join(work, 'body.json');
  await writeFile(bodyFile, JSON.stringify({ features: Array.from({ length: dim }, (_, i) => ((i * 37) % 100) / 100 - 0.5) }));
  const project = servers.some((s) => s.startsWith('gen')) ? await generatedProject(dim, { enabled: true, maxBatchSize: 64, maxLatencyMs: 2 }, bytes) : null;
  const results: ProfileResult[] = [];
  for (const s of servers) {
    const prof = (profDir: string) => ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
    const start = (profDir: string): Promise<Server> => {
      if (s.startsWith('gen')) return startServer('dist/main.js', project!.dir, { LOG_LEVEL: 'info', ...GEN_ENV[s] }, prof(profDir));
      return startServer(join(SERVERS_DIR, `${s}.mjs`), REPO, { MODEL: modelFile }, prof(profDir));
    };
    results.push(await profileOne(s, start, (sv) => `${sv.base}/v1/score`, bodyFile, conns, seconds, keep));
    console.log(`${s}: ${results.at(-1)!.reqPerSec.toFixed(0)} req/s`);
  }
  await project?.cleanup();
  await rm(work, { recursive: true, force: true });
  const cats = [...new Set(results.flatMap((r) => [...r.self.keys()]))].filter((c) => c !== 'idle');
  const total = (r: ProfileResult) => [...r.self.entries()].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0);
  cats.sort((a, b) => (results[0]!.self.get(b) ?? 0) - (results[0]!.self.get(a) ?? 0));
  const lines = [
    `# bench:profile: main-thread CPU per request (${modelName} model, ${conns} connections, ${seconds} s under wrk)`,
    '',
    `| category | ${results.map((r) => r.name).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    ...cats.map((c) => `| ${c} | ${results.map((r) => ((r.self.get(c) ?? 0) / r.requests).toFixed(1)).join(' | ')} |`),
    `| **main thread busy, µs/req** | ${results.map((r) => (total(r) / r.requests).toFixed(1)).join(' | ')} |`,
    `| process CPU, all threads, µs/req | ${results.map((r) => r.processCpuUs.toFixed(1)).join(' | ')} |`,
    `| req/s (profiler on) | ${results.map((r) => r.reqPerSec.toFixed(0)).join(' | ')} |`,
    `| p99 ms (profiler on) | ${results.map((r) => r.p99Ms.toFixed(2)).join(' | ')} |`,
  ];
  const md = `${lines.join('\n')}\n`;
  console.log(`\n${md}`);
  const out = process.env.BENCH_OUT ?? join(REPO, 'bench', 'results');
  await writeFile(join(out, `serve-profile-${modelName}.md`), md);
}

await main();
