/** The generated chart files themselves: golden copies, determinism, hostile text, ownership. */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { emitHelm } from '../../src/emit/helm.js';
import { GENERATED_MARKER } from '../../src/emit/types.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { helm, HELM_MAJORS } from '../support/helm.js';
import { render, writeChart } from './helm-chart.js';

const file = (files: ReturnType<typeof emitHelm>, name: string) => files.find((f) => f.path.endsWith(`/${name}`))!.content;

describe.each([
  ['activity-ranker', abModel()],
  ['scorer', minimalModel()],
])('%s', (svc, model) => {
  const files = emitHelm(model);

  test.each(['Chart.yaml', 'values.yaml', 'values.schema.json'])('%s matches the golden file', async (name) => {
    await expect(file(files, name)).toMatchFileSnapshot(`__snapshots__/helm/${svc}/${name}`);
  });

  test('every file is generated, under chart/<service>/, LF with exactly one trailing newline', () => {
    for (const f of files) {
      expect(f.path.startsWith(`chart/${svc}/`)).toBe(true);
      expect(f.owner).toBe('generated');
      expect(f.emitter).toBe('helm');
      expect(f.content.endsWith('\n') && !f.content.endsWith('\n\n')).toBe(true);
      expect(f.content.includes('\r')).toBe(false);
    }
  });

  test('YAML files and templates carry the generated marker', () => {
    for (const f of files.filter((x) => !x.path.endsWith('.json'))) expect(f.content).toContain(GENERATED_MARKER);
  });

  test('emitting twice gives the same bytes', () => {
    expect(emitHelm(model)).toEqual(files);
  });
});

test('model identity has no default, not even a pinned version from the config: only a bake sets it', () => {
  const values = parse(file(emitHelm(abModel()), 'values.yaml'));
  expect(values.models).toEqual({ 'ranker-control': { version: '', runId: '' }, 'ranker-treatment': { version: '', runId: '' } });
  expect(values.image).toEqual({ repository: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/reco/activity-ranker', tag: '', pullPolicy: 'IfNotPresent' });
});

test('a single-replica service gets neither an HPA nor a PDB', () => {
  const model = minimalModel();
  model.deploy.kubernetes.replicas = { min: 1, max: 1 };
  const objects = render(4, writeChart(model));
  expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  expect(objects.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(1);
});

describe('hostile text in the description and owner', () => {
  const hostile = 'Ranks "things": #1 {{ .Values.x }} ${HOME}\nline two ünïcödé ../../etc \'q\' yes';
  const model = abModel();
  model.service.description = hostile;
  model.service.owner = 'team: {{ evil }} # not a comment';
  const chart = writeChart(model);

  test.each(HELM_MAJORS)('reaches Helm %i intact (a newline becomes a space) and is never rendered as a template', (major) => {
    const r = helm(major, ['show', 'chart', chart]);
    expect(r.status).toBe(0);
    const shown = parse(r.stdout);
    expect(shown.description).toBe(hostile.replace('\n', ' '));
    expect(shown.maintainers).toEqual([{ name: 'team: {{ evil }} # not a comment' }]);
    expect(helm(major, ['lint', '--strict', chart]).status).toBe(0);
    expect(render(major, chart).length).toBeGreaterThan(0);
  });

  test('Chart.yaml holds the description on one line, as Helm shows it, also to a YAML 1.1 reader', () => {
    const chartYaml = file(emitHelm(model), 'Chart.yaml');
    expect(parse(chartYaml, { version: '1.1' }).description).toBe(hostile.replace('\n', ' '));
  });
});

test.each([
  [['--set', 'serviceAccount.create=false'], 'default', false],
  [['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=reco-reader'], 'reco-reader', false],
  [['--set', 'serviceAccount.name=reco-reader'], 'reco-reader', true],
])('service account %j -> pods run as %s', (args, name, created) => {
  const objects = render(3, writeChart(abModel()), args);
  expect(objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.serviceAccountName).toBe(name);
  expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(created ? [name] : []);
});
