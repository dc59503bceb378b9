// `npm run bench:gen`: wall time and peak RSS of the built `mlgen check` and `mlgen sync` (real
// child processes, measured by GNU time) on every example and on generated configs of growing size
// (up to 100 models and 300 input fields). Reports medians and the growth ratio per size step;
// writes bench/results/gen.json and prints a table. Figures only: nothing here asserts a speed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Document } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const mlgen = path.join(root, 'bin/mlgen.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function measure(cwd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, mlgen, ...args], { cwd, encoding: 'utf8' });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [secs = NaN, kb = NaN] = last.split(' ').map(Number);
  if (r.status !== 0 && !(args[0] === 'check' && r.status === 1)) {
    throw new Error(`mlgen ${args.join(' ')} failed in ${cwd} (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { secs, rssMiB: kb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** check on an in-sync tree; sync = a full regeneration into a fresh copy of the config. */
function bench(label, configDir) {
  const work = mkdtempSync(path.join(tmpdir(), 'mlgen-bench-'));
  const syncRuns = [];
  for (let i = 0; i < RUNS; i++) {
    const d = path.join(work, `s${i}`);
    mkdirSync(d);
    cpSync(path.join(configDir, 'mlservice.yaml'), path.join(d, 'mlservice.yaml'));
    syncRuns.push(measure(d, ['sync']));
  }
  const checkRuns = [];
  for (let i = 0; i < RUNS; i++) checkRuns.push(measure(path.join(work, 's0'), ['check']));
  rmSync(work, { recursive: true, force: true });
  const row = {
    label,
    checkSecs: median(checkRuns.map((r) => r.secs)),
    checkRssMiB: median(checkRuns.map((r) => r.rssMiB)),
    syncSecs: median(syncRuns.map((r) => r.secs)),
    syncRssMiB: median(syncRuns.map((r) => r.rssMiB)),
  };
  console.log(`${label.padEnd(28)} check ${row.checkSecs.toFixed(2)} s ${row.checkRssMiB.toFixed(0)} MiB   sync ${row.syncSecs.toFixed(2)} s ${row.syncRssMiB.toFixed(0)} MiB`);
  return row;
}

/** A valid config with `models` models and `fields` numeric input fields spread over the endpoints. */
function syntheticConfig(models, fields) {
  const endpoints = [];
  const perEndpoint = Math.ceil(fields / Math.max(1, Math.floor(models / 2)));
  for (let e = 0, f = 0; e < Math.floor(models / 2); e++) {
    const props = {};
    for (let k = 0; k < perEndpoint && f < fields; k++, f++) props[`f${f}`] = { type: 'number' };
    props.user_id = { type: 'string' };
    endpoints.push({
      name: `ep${e}`,
      input: { type: 'object', required: ['user_id'], properties: props },
      output: { type: 'object', required: ['score'], properties: { score: { type: 'number' } } },
      ab: {
        experiment: `exp-${e}`,
        unit: 'user_id',
        variants: [
          { name: 'control', model: `m${2 * e}`, weight: 50 },
          { name: 'treatment', model: `m${2 * e + 1}`, weight: 50 },
        ],
      },
    });
  }
  return new Document({
    apiVersion: 'mlservice/v1',
    service: { name: 'big-service', description: 'Synthetic benchmark service', owner: 'bench' },
    models: Array.from({ length: models }, (_, i) => ({ name: `m${i}`, source: `models:/m${i}/1` })),
    endpoints,
    deploy: {
      image: { registry: 'registry.example.com', repository: 'bench/big' },
      kubernetes: { namespace: 'bench', replicas: { min: 2, max: 4 } },
      spinnaker: { application: 'bench', account: 'k8s-bench' },
    },
  }).toString();
}

const rows = [];
for (const name of readdirSync(path.join(root, 'examples')).sort()) rows.push(bench(`examples/${name}`, path.join(root, 'examples', name)));
const sizes = [
  [25, 75],
  [50, 150],
  [100, 300],
];
const synth = [];
for (const [m, f] of sizes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlgen-synth-'));
  writeFileSync(path.join(dir, 'mlservice.yaml'), syntheticConfig(m, f));
  const row = bench(`synthetic ${m} models/${f} fields`, dir);
  synth.push(row);
  rows.push(row);
  rmSync(dir, { recursive: true, force: true });
}
// Growth: time per doubling of config size; 2.0 = linear, less = sublinear (fixed costs dominate).
const growth = synth.slice(1).map((r, i) => ({
  step: `${synth[i].label} -> ${r.label}`,
  syncRatio: +(r.syncSecs / synth[i].syncSecs).toFixed(2),
  checkRatio: +(r.checkSecs / synth[i].checkSecs).toFixed(2),
}));
for (const g of growth) console.log(`growth ${g.step}: sync x${g.syncRatio}, check x${g.checkRatio} (config size x2)`);
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/gen.json'), `${JSON.stringify({ runs: RUNS, node: process.version, rows, growth }, null, 2)}\n`);
console.log('wrote bench/results/gen.json');
