/**
 * The generated `.gitignore` judged by its real consumers, git and npm: a project made by the built
 * CLI (`mlgen sync`, `mlgen models pull`), installed with a real `npm install` (the two unpublished
 * packages come from a local registry that proxies npmjs, as a company registry would; see
 * test/container/npm-registry.ts) and built with its own `npm run build`, then `git add -A`.
 * Exactly the project's sources are staged: no node_modules, no build output, no pulled model
 * copies, no mlgen cache; the team's committed in-project model is staged.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRegistry, type LocalRegistry } from '../container/npm-registry.js';
import { packUnpublished } from '../container/project.js';
import { mlgen } from '../support/cli.js';
import { buildMlp } from '../../testkit/onnx-builder.js';

const run = promisify(execFile);

const CONFIG = `apiVersion: mlservice/v1
service: {name: churn-scorer, description: Scores churn, owner: ds-team}
models:
  - {name: churn, source: models/churn/model.onnx}
  - {name: ranker, source: vendor/ranker.onnx}
endpoints:
  - name: score
    model: churn
    input:
      type: object
      required: [features]
      properties:
        features: {type: array, items: {type: number}, minItems: 4, maxItems: 4}
    output: {type: object, required: [score], properties: {score: {type: number}}}
  - name: rank
    model: ranker
    input:
      type: object
      required: [features]
      properties:
        features: {type: array, items: {type: number}, minItems: 4, maxItems: 4}
    output: {type: object, required: [score], properties: {score: {type: number}}}
deploy:
  image: {registry: ghcr.io, repository: example/churn-scorer}
  kubernetes: {namespace: ds}
  spinnaker: {application: churnscorer, account: k8s-prod}
`;

let root: string;
let dir: string;
let registry: LocalRegistry | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlgen-gitignore-'));
  dir = join(root, 'project');
  await mkdir(join(dir, 'models/churn'), { recursive: true });
  await mkdir(join(dir, 'vendor'), { recursive: true });
  await writeFile(join(dir, 'mlservice.yaml'), CONFIG);
  await writeFile(join(dir, 'models/churn/model.onnx'), buildMlp({ inputName: 'features', inputDim: 4, hidden: [8], seed: 1 }));
  await writeFile(join(dir, 'vendor/ranker.onnx'), buildMlp({ inputName: 'features', inputDim: 4, hidden: [8], seed: 2 }));
});

afterAll(async () => {
  await registry?.close();
  await rm(root, { recursive: true, force: true });
});

/** Every file under `d` (relative, sorted), skipping `.git`. */
async function files(d: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const ent of await readdir(join(d, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.name === '.git') continue;
    if (ent.isDirectory()) out.push(...(await files(d, p)));
    else out.push(p);
  }
  return out.sort();
}

const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });

it('after sync, models pull, npm install and npm run build, `git add -A` stages exactly the sources', async () => {
  expect(mlgen(dir, ['sync']).code).toBe(0);
  const pulled = mlgen(dir, ['models', 'pull']);
  expect(pulled.stderr).toBe('');
  expect(pulled.code).toBe(0);

  const work = join(root, 'packs');
  await mkdir(work);
  const upstream = (await run('npm', ['config', 'get', 'registry'], { cwd: work })).stdout.trim();
  registry = await startRegistry(await packUnpublished(work), upstream);
  // The user's own line below mlgen's block, as a team with a company registry writes it.
  await appendFile(join(dir, '.npmrc'), `registry=${registry.url}/\n`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 16 << 20 });
  await run('npm', ['run', 'build', '--silent'], { cwd: dir });

  const onDisk = await files(dir);
  // What the ignore rules must hold back really is there, so the test cannot pass vacuously.
  for (const prefix of ['node_modules/', 'dist/', 'models/ranker/', '.mlgen/cache/']) {
    expect(
      onDisk.some((f) => f.startsWith(prefix)),
      prefix,
    ).toBe(true);
  }
  await git('init', '-q');
  await git('add', '-A');
  const staged = (await git('diff', '--cached', '--name-only', '-z')).stdout.split('\0').filter(Boolean).sort();
  const ignored = /^(node_modules|dist|models\/ranker|\.mlgen\/cache)\//;
  expect(staged).toEqual(onDisk.filter((f) => !ignored.test(f)));
  expect(staged).toEqual(expect.arrayContaining(['.gitignore', 'package-lock.json', 'models.lock.json', 'models/churn/model.onnx', 'vendor/ranker.onnx']));
  // Nothing mlgen made is left out either: `mlgen check` after a fresh clone of that commit is green.
  await git('commit', '-qm', 'service');
  const clone = join(root, 'clone');
  await run('git', ['clone', '-q', dir, clone]);
  expect(mlgen(clone, ['check']).code).toBe(0);
}, 600_000);
