/**
 * Contract tests of `mlgen spinnaker install` against test/support/spinnaker-stub.ts, a stand-in
 * that implements gate's, front50's and Kayenta's documented behaviour (no Spinnaker runs here).
 * The files installed are the committed ones of examples/recommender.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SPINNAKER_PATHS } from '../../src/emit/spinnaker-names.js';
import { SpinnakerError } from '../../src/spinnaker/codes.js';
import { SpinnakerApi } from '../../src/spinnaker/gate.js';
import { contains, describeStep, installSpinnaker } from '../../src/spinnaker/install.js';
import { REPO } from '../support/cli.js';
import { startSpinnakerStub, type Stub } from '../support/spinnaker-stub.js';

type Json = Record<string, any>;
const EXAMPLE = path.join(REPO, 'examples/recommender');
const read = (root: string, file: string): Json => JSON.parse(readFileSync(path.join(root, file), 'utf8'));
const deploy = read(EXAMPLE, SPINNAKER_PATHS.pipeline);
const rollback = read(EXAMPLE, SPINNAKER_PATHS.rollback);
const canary = read(EXAMPLE, SPINNAKER_PATHS.canaryConfig);

const stubs: Stub[] = [];
const dirs: string[] = [];
afterEach(async () => Promise.all(stubs.splice(0).map((s) => s.close())));
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function stub(opts?: Parameters<typeof startSpinnakerStub>[0]): Promise<Stub> {
  const s = await startSpinnakerStub(opts);
  stubs.push(s);
  return s;
}

/** A copy of the example's deploy/spinnaker/ the test may edit. */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlgen-install-'));
  dirs.push(dir);
  cpSync(path.join(EXAMPLE, 'deploy'), path.join(dir, 'deploy'), { recursive: true });
  return dir;
}

const install = (root: string, s: Stub, extra: Partial<ConstructorParameters<typeof SpinnakerApi>[0]> = {}, dryRun = false) =>
  installSpinnaker(root, new SpinnakerApi({ gate: s.url, timeoutMs: 5000, ...extra }), dryRun);

const writes = (s: Stub) => s.requests.filter((r) => !r.startsWith('GET '));

describe('mlgen spinnaker install against the gate/front50/Kayenta contract', () => {
  it('creates the canary config, then both pipelines, each stored as the file says', async () => {
    const s = await stub();
    const steps = await install(EXAMPLE, s);
    expect(steps.map((x) => describeStep(x, false))).toEqual([
      'canary config activity-ranker-canary: created',
      'pipeline reco/activity-ranker-deploy: created',
      'pipeline reco/activity-ranker-rollback: created',
    ]);
    expect(writes(s)).toEqual(['POST /v2/canaryConfig', 'POST /pipelines', 'POST /pipelines']);
    expect(contains(s.canaryConfigs.get(canary.id), canary)).toBe(true);
    expect([...s.pipelines.keys()]).toEqual([deploy.id, rollback.id]);
    expect(contains(s.pipelines.get(deploy.id), deploy)).toBe(true);
    expect(contains(s.pipelines.get(rollback.id), rollback)).toBe(true);
  });

  it('is idempotent: a second install reads everything and writes nothing', async () => {
    const s = await stub();
    await install(EXAMPLE, s);
    const before = s.requests.length;
    const steps = await install(EXAMPLE, s);
    expect(steps.map((x) => x.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(s.requests.slice(before)).toEqual([
      `GET /v2/canaryConfig/${canary.id}`,
      'GET /applications/reco/pipelineConfigs/activity-ranker-deploy',
      'GET /applications/reco/pipelineConfigs/activity-ranker-rollback',
    ]);
  });

  it('updates a changed pipeline and canary config in place, under the same ids', async () => {
    const s = await stub();
    await install(EXAMPLE, s);
    const root = project();
    writeFileSync(path.join(root, SPINNAKER_PATHS.pipeline), JSON.stringify({ ...deploy, description: 'changed' }));
    writeFileSync(path.join(root, SPINNAKER_PATHS.canaryConfig), JSON.stringify({ ...canary, description: 'changed' }));
    const steps = await install(root, s);
    expect(steps.map((x) => x.action)).toEqual(['update', 'update', 'unchanged']);
    expect(writes(s).slice(3)).toEqual([`PUT /v2/canaryConfig/${canary.id}`, 'POST /pipelines']);
    expect(s.pipelines.size).toBe(2);
    expect(s.pipelines.get(deploy.id)!.description).toBe('changed');
    expect(s.canaryConfigs.get(canary.id)!.description).toBe('changed');
  });

  it("front50's duplicate rule, which the stable id satisfies: the same pipeline POSTed twice without an id is refused", async () => {
    const s = await stub();
    const post = (body: Json) => fetch(`${s.url}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { id: _id, ...withoutId } = deploy;
    expect((await post(withoutId)).status).toBe(200);
    const again = await post(withoutId);
    expect([again.status, ((await again.json()) as { message: string }).message]).toEqual([400, 'A pipeline with name activity-ranker-deploy already exists in application reco']);
    const other = await stub();
    const postTo = (body: Json) => fetch(`${other.url}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect([(await postTo(deploy)).status, (await postTo(deploy)).status]).toEqual([200, 200]);
    expect(other.pipelines.size).toBe(1);
  });

  it('keeps the id of a pipeline saved earlier under another id (by hand, or by spin from a file without one)', async () => {
    const s = await stub();
    const { id: _id, ...withoutId } = deploy;
    await fetch(`${s.url}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...withoutId, description: 'hand-made' }) });
    const handMade = [...s.pipelines.values()][0]!.id as string;
    const steps = await install(EXAMPLE, s);
    expect(describeStep(steps[1]!, false)).toBe(`pipeline reco/activity-ranker-deploy: updated (saved earlier under id ${handMade}, which is kept)`);
    expect([...s.pipelines.keys()]).toEqual([handMade, rollback.id]);
    expect(contains(s.pipelines.get(handMade), { ...deploy, id: handMade })).toBe(true);
    expect((await install(EXAMPLE, s)).map((x) => x.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('treats an older gate\'s empty 200 for a missing pipeline as "not there", like spin', async () => {
    const s = await stub({ missingPipeline: 'empty' });
    expect((await install(EXAMPLE, s)).map((x) => x.action)).toEqual(['create', 'create', 'create']);
    expect(s.pipelines.size).toBe(2);
  });

  it("saves the canary config through Kayenta's own /canaryConfig API when given --kayenta", async () => {
    const gate = await stub();
    const kayenta = await stub();
    await install(EXAMPLE, gate, { kayenta: kayenta.url });
    expect(kayenta.requests).toEqual([`GET /canaryConfig/${canary.id}`, 'POST /canaryConfig']);
    expect(gate.requests.filter((r) => r.includes('canaryConfig'))).toEqual([]);
    expect(contains(kayenta.canaryConfigs.get(canary.id), canary)).toBe(true);
  });

  it("stops with Kayenta's message when another canary config of the application has the name; no pipeline is saved", async () => {
    const s = await stub();
    await fetch(`${s.url}/v2/canaryConfig`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...canary, id: 'made-in-deck' }) });
    const err = await install(EXAMPLE, s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpinnakerError);
    const d = (err as SpinnakerError).diagnostics[0]!;
    expect([d.code, d.message, (err as SpinnakerError).exitCode]).toEqual([
      'SPINNAKER.REJECTED',
      `${s.url}/v2/canaryConfig answered 400: Canary config with name 'activity-ranker-canary' already exists in the scope of applications ["reco"].`,
      69,
    ]);
    expect(s.pipelines.size).toBe(0);
  });

  it('sends the bearer token; without it gate answers 401 and the install stops with SPINNAKER.AUTH', async () => {
    const s = await stub({ token: 's3cret' });
    const err = (await install(EXAMPLE, s).catch((e: unknown) => e)) as SpinnakerError;
    expect([err.diagnostics[0]!.code, err.diagnostics[0]!.message]).toEqual(['SPINNAKER.AUTH', `${s.url}/v2/canaryConfig/${canary.id} answered 401`]);
    expect(JSON.stringify(err.diagnostics)).not.toContain('s3cret');
    expect((await install(EXAMPLE, s, { token: 's3cret' })).map((x) => x.action)).toEqual(['create', 'create', 'create']);
  });

  it('reports an unreachable gate as SPINNAKER.UNREACHABLE after retrying the read', async () => {
    const s = await stub();
    await s.close();
    stubs.splice(stubs.indexOf(s), 1);
    const err = (await install(EXAMPLE, s).catch((e: unknown) => e)) as SpinnakerError;
    expect([err.diagnostics[0]!.code, err.exitCode]).toEqual(['SPINNAKER.UNREACHABLE', 69]);
  });

  it('--dry-run reads and reports, and writes nothing', async () => {
    const s = await stub();
    const steps = await install(EXAMPLE, s, {}, true);
    expect(steps.map((x) => describeStep(x, true))).toEqual([
      'canary config activity-ranker-canary: would create',
      'pipeline reco/activity-ranker-deploy: would create',
      'pipeline reco/activity-ranker-rollback: would create',
    ]);
    expect(writes(s)).toEqual([]);
  });

  it.each([
    ['a missing file', (root: string) => rmSync(path.join(root, SPINNAKER_PATHS.rollback)), `${SPINNAKER_PATHS.rollback} cannot be read`],
    ['a file that is not JSON', (root: string) => writeFileSync(path.join(root, SPINNAKER_PATHS.pipeline), '{'), `${SPINNAKER_PATHS.pipeline} is not JSON`],
    ['a pipeline without its id', (root: string) => writeFileSync(path.join(root, SPINNAKER_PATHS.pipeline), JSON.stringify({ ...deploy, id: undefined })), `${SPINNAKER_PATHS.pipeline} has no id`],
  ])('refuses %s before anything is saved (SPINNAKER.FILE_INVALID, exit 65)', async (_what, breakIt, message) => {
    const s = await stub();
    const root = project();
    breakIt(root);
    const err = (await install(root, s).catch((e: unknown) => e)) as SpinnakerError;
    expect([err.diagnostics[0]!.code, err.diagnostics[0]!.message.startsWith(message), err.exitCode]).toEqual(['SPINNAKER.FILE_INVALID', true, 65]);
    expect(s.requests).toEqual([]);
  });
});
