import { describe, expect, it } from 'vitest';
import type { ServiceModel } from '../../src/config/model.js';
import { renderSummary, summarizeChanges } from '../../src/review/index.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';

function lines(mutate: (m: ServiceModel) => void, base: () => ServiceModel = abModel): string[] {
  const after = base();
  mutate(after);
  return summarizeChanges(base(), after).items.map((i) => `${i.section} ${i.level} ${i.message} @${i.source}`);
}

const ab = (m: ServiceModel) => m.endpoints[0]!.ab!;

const rows: Array<[string, (m: ServiceModel) => void, string[]]> = [
  ['no change', () => {}, []],
  [
    'A/B weights',
    (m) => {
      ab(m).variants[0]!.weight = 80;
      ab(m).variants[1]!.weight = 20;
    },
    ['ab info endpoint rank: A/B weights control 90 -> 80, treatment 10 -> 20 @/endpoints/0/ab/variants'],
  ],
  [
    'variant added and removed',
    (m) => (ab(m).variants = [ab(m).variants[0]!, { name: 'challenger', model: 'ranker-treatment', weight: 10, basisPoints: 1000 }]),
    [
      'ab info endpoint rank: A/B variant treatment removed @/endpoints/0/ab/variants',
      'ab info endpoint rank: A/B variant challenger added (model ranker-treatment, weight 10) @/endpoints/0/ab/variants/1',
    ],
  ],
  ['variant model', (m) => (ab(m).variants[1]!.model = 'ranker-control'), ['ab info endpoint rank: A/B variant treatment model ranker-treatment -> ranker-control @/endpoints/0/ab/variants/1/model']],
  ['salt', (m) => (ab(m).salt = 'new-salt'), ['ab warning endpoint rank: A/B salt ranker-2026-11 -> new-salt: reshuffles every user between variants @/endpoints/0/ab/salt']],
  ['unit', (m) => (ab(m).unit = 'device'), ['ab warning endpoint rank: A/B unit user_id -> device: reshuffles every user between variants @/endpoints/0/ab/unit']],
  ['missing unit policy', (m) => (ab(m).missingUnit = { variant: 'control' }), ['ab info endpoint rank: A/B missingUnit reject -> {"variant":"control"} @/endpoints/0/ab/missingUnit']],
  [
    'batching',
    (m) => {
      const b = m.endpoints[0]!.batching;
      if (b.enabled) b.maxBatchSize = 128;
    },
    ['batching info endpoint rank: batching maxBatchSize 64 -> 128 @/endpoints/0/batching/maxBatchSize'],
  ],
  [
    'batching switched off',
    (m) => (m.endpoints[0]!.batching = { enabled: false, maxQueueRows: 4096, queueBudgetMs: 100 }),
    [
      'batching info endpoint rank: batching enabled true -> false @/endpoints/0/batching/enabled',
      'batching info endpoint rank: batching maxBatchSize 64 -> (unset) @/endpoints/0/batching/maxBatchSize',
      'batching info endpoint rank: batching maxLatencyMs 10 -> (unset) @/endpoints/0/batching/maxLatencyMs',
    ],
  ],
  [
    'model source',
    (m) => (m.models[0]!.source = { kind: 'registry-version', uri: 'models:/activity-ranker/13', registeredModel: 'activity-ranker', version: '13' }),
    ['models info model ranker-control source models:/activity-ranker/12 -> models:/activity-ranker/13 @/models/0/source'],
  ],
  [
    'replicas, resources, image',
    (m) => {
      m.deploy.kubernetes.replicas.min = 3;
      m.deploy.kubernetes.resources.limits.memory = '2Gi';
      m.deploy.image.base = 'node:24.11-bookworm-slim';
    },
    [
      'deploy info deploy.image.base node:24-bookworm-slim -> node:24.11-bookworm-slim @/deploy/image/base',
      'deploy info deploy.kubernetes.replicas.min 2 -> 3 @/deploy/kubernetes/replicas/min',
      'deploy info deploy.kubernetes.resources.limits.memory 1Gi -> 2Gi @/deploy/kubernetes/resources/limits/memory',
    ],
  ],
  ['server body limit', (m) => (m.server.bodyLimitBytes = 2048), ['server info server.bodyLimitBytes 1048576 -> 2048 @/server/bodyLimitBytes']],
  ['service version', (m) => (m.service.version = '1.3.0'), ['service info service.version 1.2.0 -> 1.3.0 @/service/version']],
];

describe('summarizeChanges: config sections', () => {
  it.each(rows)('%s', (_name, mutate, want) => {
    expect(lines(mutate)).toEqual(want);
  });

  it('reports a model swap on a single-model endpoint and a switch to A/B', () => {
    const toAb = (m: ServiceModel): void => {
      m.models.push({ ...m.models[0]!, name: 'scorer-v2' });
      delete m.endpoints[0]!.model;
      const split = (name: string, model: string) => ({ name, model, weight: 50, basisPoints: 5000 });
      m.endpoints[0]!.ab = { ...ab(abModel()), unit: 'features', variants: [split('a', 'scorer'), split('b', 'scorer-v2')] };
    };
    expect(lines(toAb, minimalModel)).toEqual([
      'models info model scorer-v2 added (models/scorer/model.onnx) @/models/1',
      'ab info endpoint score: model scorer -> A/B a 50/b 50 @/endpoints/0/ab',
      'api non-breaking POST /v1/score: optional header x-mlservice-variant added @/endpoints/0',
    ]);
    const swap = (m: ServiceModel): void => {
      m.models[0]!.name = 'scorer-v2';
      m.endpoints[0]!.model = 'scorer-v2';
    };
    expect(lines(swap, minimalModel)).toEqual([
      'models info model scorer removed (was models/scorer/model.onnx) @/models/0',
      'models info model scorer-v2 added (models/scorer/model.onnx) @/models/0',
      'endpoints info endpoint score: model scorer -> model scorer-v2 @/endpoints/0/model',
    ]);
  });
});

describe('labels', () => {
  const labelsOf = (mutate: (m: ServiceModel) => void): string[] => {
    const after = abModel();
    mutate(after);
    return summarizeChanges(abModel(), after).labels;
  };

  it.each<[string, (m: ServiceModel) => void, string[]]>([
    ['nothing', () => {}, []],
    ['weights only', (m) => (ab(m).variants[0]!.weight = 80), []],
    ['non-breaking API change', (m) => ((m.endpoints[0]!.input.properties as any).x = { type: 'string' }), []],
    ['breaking API change', (m) => (m.endpoints[0]!.path = '/v2/rank'), ['api-breaking']],
    ['replicas', (m) => (m.deploy.kubernetes.replicas.max = 20), ['deploy-impacting']],
    ['server port', (m) => (m.server.port = 9090), ['deploy-impacting']],
    ['model removed', (m) => m.models.pop(), ['deploy-impacting']],
    ['service renamed', (m) => (m.service.name = 'activity-ranker-v2'), ['deploy-impacting']],
    ['service description', (m) => (m.service.description = 'Ranks'), []],
    ['model source only', (m) => (m.models[0]!.source.uri = 'models:/activity-ranker/13'), []],
    [
      'both',
      (m) => {
        m.endpoints[0]!.path = '/v2/rank';
        m.deploy.image.base = 'node:22';
      },
      ['api-breaking', 'deploy-impacting'],
    ],
  ])('%s', (_name, mutate, want) => {
    expect(labelsOf(mutate)).toEqual(want);
  });

  it('marks a new service (no previous config) as deploy-impacting, with everything added', () => {
    const s = summarizeChanges(null, abModel());
    expect(s.created).toBe(true);
    expect(s.labels).toEqual(['deploy-impacting']);
    expect(s.items.map((i) => `${i.level} ${i.message}`)).toEqual([
      'info model ranker-control added (models:/activity-ranker/12)',
      'info model ranker-treatment added (models:/activity-ranker@challenger)',
      // The runtime's operational routes are not in the generated document: they do not change with the config.
      'non-breaking POST /v1/rank added',
    ]);
  });
});

function reviewScenario(): ReturnType<typeof summarizeChanges> {
  const after = abModel();
  ab(after).variants[0]!.weight = 80;
  ab(after).variants[1]!.weight = 20;
  ab(after).salt = 'ranker-2026-12';
  const props = after.endpoints[0]!.input.properties as Record<string, any>;
  props.device.enum = ['desktop'];
  props.locale = { type: 'string', description: 'BCP 47 tag like `en_US` or <xx>' };
  after.deploy.kubernetes.replicas.min = 3;
  return summarizeChanges(abModel(), after);
}

describe('renderSummary', () => {
  it('renders text', () => {
    expect(renderSummary(reviewScenario(), 'text')).toBe(
      [
        'Changes to activity-ranker',
        'labels: api-breaking, deploy-impacting',
        '',
        'A/B experiments',
        '  WARNING endpoint rank: A/B salt ranker-2026-11 -> ranker-2026-12: reshuffles every user between variants',
        '  endpoint rank: A/B weights control 90 -> 80, treatment 10 -> 20',
        '',
        'Deploy',
        '  deploy.kubernetes.replicas.min 2 -> 3',
        '',
        'API (openapi.yaml)',
        '  BREAKING POST /v1/rank request: "device" enum narrowed: removed "mobile"',
        '  NON-BREAKING POST /v1/rank request: field "locale" added (optional)',
        '',
      ].join('\n'),
    );
  });

  it('renders markdown (golden) and escapes markup in messages', async () => {
    const md = renderSummary(reviewScenario(), 'markdown');
    await expect(md).toMatchFileSnapshot('./__snapshots__/summary.md');
    const after = abModel();
    after.deploy.image.repository = 'reco/<b>*x*</b>|`y`';
    expect(renderSummary(summarizeChanges(abModel(), after), 'markdown').split('\n').at(-2)).toBe('- deploy.image.repository reco/activity-ranker -> "reco/\\<b>\\*x\\*\\</b>\\|\\`y\\`"');
  });

  it('renders json that parses back to the summary', () => {
    const s = reviewScenario();
    const json = renderSummary(s, 'json');
    expect(JSON.parse(json)).toEqual(s);
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('says so when nothing changed', () => {
    const s = summarizeChanges(abModel(), abModel());
    expect(renderSummary(s, 'text')).toBe('No changes to activity-ranker\n');
    expect(renderSummary(s, 'markdown')).toBe('### No changes to activity-ranker\n');
  });
});
