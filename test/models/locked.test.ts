/**
 * `mlgen models pull --locked` (hotfix deploys) against the local MLflow stub: contract tests, not
 * tests against a real MLflow.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pc from 'picocolors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { modelsCommand } from '../../src/cli/commands/models.js';
import { PULL_ARGS } from '../../src/ci/models.js';
import { pullModels, type PullOptions } from '../../src/models/index.js';
import { AB_YAML } from '../../testkit/fixtures.js';
import { snapshot, tempDir, withModels, writeModelDir } from './helpers.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';

const RUN1 = '0a1b2c3d4e5f60718293a4b5c6d7e801';
const RUN2 = '0a1b2c3d4e5f60718293a4b5c6d7e802';
const RUN12 = '0a1b2c3d4e5f60718293a4b5c6d7e812';
const LOCK = 'models.lock.json';
const pullCommand = modelsCommand.subcommands!.find((c) => c.name === 'pull')!;
const FIX = 'run `mlgen models pull` (without --locked) and commit models.lock.json; a hotfix deploy ships only models already locked';

describe('models pull --locked (local MLflow stub, not a real MLflow)', () => {
  let artifacts: Awaited<ReturnType<typeof tempDir>>;
  let stub: MlflowStub;
  let url: string;
  let root: Awaited<ReturnType<typeof tempDir>>;
  const modelDir = (run: string) => join(artifacts.path, '1', run, 'artifacts', 'model');
  const uri = (run: string) => `mlflow-artifacts:/1/${run}/artifacts/model`;
  const opts = (extra: Partial<PullOptions> = {}): PullOptions => ({ env: { MLFLOW_TRACKING_URI: url }, retries: 1, retryDelayMs: 1, timeoutMs: 10_000, ...extra });
  const lockBytes = () => readFile(join(root.path, LOCK));
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; exitCode: number },
    );

  beforeAll(async () => {
    artifacts = await tempDir('locked-artifacts');
    for (const [run, seed] of [
      [RUN1, 1],
      [RUN2, 2],
      [RUN12, 12],
    ] as const)
      await writeModelDir(modelDir(run), seed, run);
    stub = new MlflowStub({ artifactsRoot: artifacts.path });
    url = await stub.start();
  });

  afterAll(async () => {
    await stub.close();
    await artifacts.cleanup();
  });

  beforeEach(async () => {
    root = await tempDir('locked-root');
    stub.versions.length = 0;
    stub.addVersion({ name: 'activity-ranker', version: '1', status: 'READY', runId: RUN1, artifactUri: uri(RUN1) });
    stub.addVersion({ name: 'activity-ranker', version: '2', status: 'READY', runId: RUN2, artifactUri: uri(RUN2) });
    stub.aliases.clear();
    stub.setAlias('activity-ranker', 'challenger', '1');
    stub.requests.length = 0;
    return () => root.cleanup();
  });

  it('pulls the locked version after the alias and latest moved, and leaves the lock byte-identical', async () => {
    const model = withModels({ treatment: 'models:/activity-ranker@challenger', newest: 'models:/activity-ranker/latest' });
    await pullModels(root.path, model, opts());
    const lock = await lockBytes();
    expect(Object.values(JSON.parse(lock.toString()).models).map((m) => (m as { registry: { version: string } }).registry.version)).toEqual(['2', '1']);
    // The registry moves on; a fresh checkout (no models/) deploys the locked code.
    stub.setAlias('activity-ranker', 'challenger', '2');
    stub.addVersion({ name: 'activity-ranker', version: '12', status: 'READY', runId: RUN12, artifactUri: uri(RUN12) });
    await rm(join(root.path, 'models'), { recursive: true });
    stub.requests.length = 0;

    const result = await pullModels(root.path, model, opts({ locked: true }));
    expect(await snapshot(join(root.path, 'models', 'treatment'))).toEqual(await snapshot(modelDir(RUN1)));
    expect(await snapshot(join(root.path, 'models', 'newest'))).toEqual(await snapshot(modelDir(RUN2)));
    expect(await lockBytes()).toEqual(lock);
    expect(result.lockChanged).toBe(false);
    expect(result.models.map((m) => [m.name, m.changed, m.entry.registry?.version])).toEqual([
      ['treatment', true, '1'],
      ['newest', true, '2'],
    ]);
    const registryCalls = stub.requests.filter((r) => r.path.startsWith('/api/2.0/mlflow/')).map((r) => `${r.path.slice(16)}?${new URLSearchParams(r.query).toString()}`);
    expect(registryCalls).toEqual([
      'model-versions/get?name=activity-ranker&version=1',
      'model-versions/get-download-uri?name=activity-ranker&version=1',
      'model-versions/get?name=activity-ranker&version=2',
      'model-versions/get-download-uri?name=activity-ranker&version=2',
    ]);

    // Without --locked the same config follows the registry: the test above could fail.
    const resolved = await pullModels(root.path, model, opts());
    expect(resolved.models.map((m) => m.entry.registry?.version)).toEqual(['2', '12']);
  });

  it('does not download again when models/<name>/ already holds the locked files', async () => {
    const model = withModels({ control: 'models:/activity-ranker/1' });
    await pullModels(root.path, model, opts());
    stub.requests.length = 0;
    const result = await pullModels(root.path, model, opts({ locked: true }));
    expect(result.models.map((m) => m.changed)).toEqual([false]);
    expect(stub.requests.filter((r) => r.path.startsWith('/api/2.0/mlflow-artifacts/'))).toEqual([]);
  });

  it('refuses without a lock, before any request, and writes nothing', async () => {
    const err = await failure(pullModels(root.path, withModels({ control: 'models:/activity-ranker/1' }), opts({ locked: true })));
    expect(err?.message).toBe(`${LOCK} error MODELS.LOCK_MISSING ${LOCK} does not exist; --locked pulls exactly the versions it records\n  fix: ${FIX}`);
    expect(err?.exitCode).toBe(65);
    expect(stub.requests).toEqual([]);
    expect(await readdir(root.path)).toEqual([]);
  });

  it('refuses a model the lock does not have, or whose source changed, before any download', async () => {
    await pullModels(root.path, withModels({ control: 'models:/activity-ranker/1' }), opts());
    const lock = await lockBytes();
    stub.requests.length = 0;
    const added = await failure(pullModels(root.path, withModels({ control: 'models:/activity-ranker/1', extra: 'models:/activity-ranker/2' }), opts({ locked: true })));
    expect(added?.message).toBe(`${LOCK} error MODELS.NOT_LOCKED model "extra" is not in ${LOCK}\n  fix: ${FIX}`);
    const moved = await failure(pullModels(root.path, withModels({ control: 'models:/activity-ranker/2' }), opts({ locked: true })));
    expect(moved?.message).toBe(
      `${LOCK} error MODELS.NOT_LOCKED model "control": mlservice.yaml says source "models:/activity-ranker/2" but ${LOCK} was pulled from "models:/activity-ranker/1"\n  fix: ${FIX}`,
    );
    expect(moved?.exitCode).toBe(65);
    expect(stub.requests).toEqual([]);
    expect(await lockBytes()).toEqual(lock);
  });

  it('refuses a lock entry whose digest was edited by hand', async () => {
    await pullModels(root.path, withModels({ control: 'models:/activity-ranker/1' }), opts());
    const lock = JSON.parse((await lockBytes()).toString());
    lock.models.control.files[0].sha256 = '0'.repeat(64);
    await writeFile(join(root.path, LOCK), JSON.stringify(lock));
    const err = await failure(pullModels(root.path, withModels({ control: 'models:/activity-ranker/1' }), opts({ locked: true })));
    expect(err?.message).toBe(`${LOCK} error MODELS.LOCK_INVALID model "control": its entry in ${LOCK} has a digest that does not match its file list (edited by hand?)\n  fix: ${FIX}`);
  });

  it('a file changed on the server after locking fails the hash check; the previous model dir stays', async () => {
    const model = withModels({ control: 'models:/activity-ranker/1', treatment: 'models:/activity-ranker@challenger' });
    await pullModels(root.path, model, opts());
    const lock = await lockBytes();
    const before = await snapshot(join(root.path, 'models'));
    const served = join(modelDir(RUN1), 'requirements.txt');
    const original = await readFile(served);
    await writeFile(served, 'mlflow==2.16.0\nevil==6.6.6\n');
    try {
      const expected =
        `${LOCK} error MODELS.LOCK_MISMATCH model "control" (models:/activity-ranker/1): the fetched files differ from ${LOCK}: changed "requirements.txt"; nothing was installed\n` +
        '  fix: the files behind the locked version changed after it was locked: check the artifact store (or local file) for tampering; if the change is intended, run `mlgen models pull --force` and commit models.lock.json';
      // With --force the good local copy is not trusted, so the tampered server copy is fetched.
      const forced = await failure(pullModels(root.path, model, opts({ locked: true, force: true })));
      expect(forced?.message).toBe(expected);
      expect(forced?.exitCode).toBe(65);
      // A local copy that differs from the lock is not reused either.
      await writeFile(join(root.path, 'models', 'control', 'MLmodel'), 'edited');
      const edited = await snapshot(join(root.path, 'models'));
      expect((await failure(pullModels(root.path, model, opts({ locked: true }))))?.message).toBe(expected);
      expect(await snapshot(join(root.path, 'models'))).toEqual(edited);
      expect(edited).not.toEqual(before);
      expect(await readdir(join(root.path, 'models'))).toEqual(['control', 'treatment']);
      expect(await lockBytes()).toEqual(lock);
    } finally {
      await writeFile(served, original);
    }
  });

  it('checks local sources against the lock too', async () => {
    await cp(modelDir(RUN2), join(root.path, 'export', 'ranker'), { recursive: true });
    const model = withModels({ local: 'export/ranker' });
    await pullModels(root.path, model, opts());
    const lock = await lockBytes();
    await rm(join(root.path, 'models'), { recursive: true });
    expect((await pullModels(root.path, model, opts({ locked: true }))).models.map((m) => m.changed)).toEqual([true]);
    await writeFile(join(root.path, 'export', 'ranker', 'code', 'helpers', 'util.py'), 'SEED = 3\n');
    await writeFile(join(root.path, 'export', 'ranker', 'notes.txt'), 'new\n');
    const err = await failure(pullModels(root.path, model, opts({ locked: true, force: true })));
    expect(err?.code).toBe('MODELS.LOCK_MISMATCH');
    expect(err?.message.split('\n')[0]).toBe(
      `${LOCK} error MODELS.LOCK_MISMATCH model "local" (export/ranker): the fetched files differ from ${LOCK}: unexpected "notes.txt"; changed "code/helpers/util.py"; nothing was installed`,
    );
    expect(await snapshot(join(root.path, 'models', 'local'))).toEqual(await snapshot(modelDir(RUN2)));
    expect(await lockBytes()).toEqual(lock);
  });

  /** The `models pull` command as the CLI registers it: options parsed by commander, then run. */
  async function cli(args: string[]): Promise<{ code: number; out: string[] }> {
    const cmd = new Command('pull').exitOverride();
    for (const o of pullCommand.options ?? []) cmd.addOption(o);
    cmd.parse(args, { from: 'user' });
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), color: pc.createColors(false), cwd: root.path, env: { MLFLOW_TRACKING_URI: url }, tty: false };
    return { code: await pullCommand.run(cmd.opts(), [], io), out };
  }

  it("the flags the workflows' steps (mlgen-ci) pass to `models pull` are all options of the command", () => {
    const used = [PULL_ARGS.resolve, PULL_ARGS.locked, PULL_ARGS.only('m')].flatMap((args) => args.filter((a) => a.startsWith('--')));
    expect(used).toEqual(['--locked', '--only']);
    expect(used.filter((flag) => !pullCommand.options?.some((o) => o.long === flag))).toEqual([]);
  });

  it("`mlgen models pull --locked` (the deploy workflow's hotfix step) pulls the locked versions", async () => {
    stub.addVersion({ name: 'activity-ranker', version: '12', status: 'READY', runId: RUN12, artifactUri: uri(RUN12) });
    stub.setAlias('activity-ranker', 'challenger', '2');
    await writeFile(join(root.path, 'mlservice.yaml'), AB_YAML);
    await expect(cli(['--locked'])).rejects.toMatchObject({ code: 'MODELS.LOCK_MISSING', exitCode: 65 });
    expect(await cli([])).toEqual({ code: 0, out: expect.arrayContaining(['models.lock.json updated']) });
    const lock = await lockBytes();
    stub.setAlias('activity-ranker', 'challenger', '1');
    await rm(join(root.path, 'models'), { recursive: true });
    const locked = await cli(['--locked']);
    expect([locked.code, locked.out.at(-1)]).toEqual([0, `models match ${LOCK} (locked)`]);
    expect(await snapshot(join(root.path, 'models', 'ranker-treatment'))).toEqual(await snapshot(modelDir(RUN2)));
    expect(await lockBytes()).toEqual(lock);
  });
});
