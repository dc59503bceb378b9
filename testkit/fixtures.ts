/**
 * Shared ServiceModel fixtures for emitter and sync tests. They are plain literals so tests that
 * only need a model do not depend on the loader; `test/config/fixtures.test.ts` proves that the
 * YAML in `MINIMAL_YAML` / `AB_YAML` normalizes to exactly these objects, so they never drift from
 * what the loader would produce. Each call returns a fresh deep copy: tests may mutate it.
 */
import type { ServiceModel } from '../src/config/model.js';

/** The mlservice.yaml that `minimalModel()` corresponds to (defaults left implicit). */
export const MINIMAL_YAML = `apiVersion: mlservice/v1
service:
  name: scorer
  description: Scores a row of numeric features
  owner: ds-team
models:
  - name: scorer
    source: models/scorer/model.onnx
endpoints:
  - name: score
    model: scorer
    input:
      type: object
      required: [features]
      properties:
        features:
          type: array
          items: {type: number}
          minItems: 4
          maxItems: 4
    output:
      type: object
      required: [score]
      properties:
        score: {type: number}
    examples:
      - features: [0.1, 0.2, 0.3, 0.4]
deploy:
  image:
    registry: registry.example.com
    repository: ds/scorer
  kubernetes:
    namespace: ds
  spinnaker:
    application: scorer
    account: k8s-prod
`;

/** The mlservice.yaml that `abModel()` corresponds to. */
export const AB_YAML = `apiVersion: mlservice/v1
service:
  name: activity-ranker
  description: Ranks activities for a user
  owner: reco-team
  version: 1.2.0
models:
  - name: ranker-control
    source: models:/activity-ranker/12
  - name: ranker-treatment
    source: models:/activity-ranker@challenger
endpoints:
  - name: rank
    input:
      type: object
      required: [user_id, activity_ids]
      properties:
        user_id: {type: string, minLength: 1}
        device: {type: string, enum: [desktop, mobile]}
        history: {type: array, items: {type: integer}, maxItems: 20}
        activity_ids: {type: array, items: {type: integer}, minItems: 1, maxItems: 200}
    output:
      type: object
      required: [scores]
      properties:
        scores: {type: array, items: {type: number}}
    ab:
      experiment: ranker-2026-11
      unit: user_id
      variants:
        - {name: control, model: ranker-control, weight: 90}
        - {name: treatment, model: ranker-treatment, weight: 10}
      overrideHeader: x-mlservice-variant
    batching: {maxBatchSize: 64, maxLatencyMs: 10, maxQueueRows: 4096}
    examples:
      - {user_id: u-1, device: mobile, history: [3, 5], activity_ids: [11, 12, 13]}
deploy:
  image:
    registry: 123456789012.dkr.ecr.eu-central-1.amazonaws.com
    repository: reco/activity-ranker
  kubernetes:
    namespace: reco
    replicas: {min: 2, max: 10}
  spinnaker:
    application: reco
    account: k8s-prod
`;

const DEFAULT_SERVER = { port: 8080, bodyLimitBytes: 1048576, shutdownGraceMs: 10000 };
const DEFAULT_CANARY = { lifetime: 'PT30M', intervalMinutes: 10, pass: 90, marginal: 75, replicas: 1 };
const DEFAULT_RESOURCES = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } };
const NODE_IMAGE = 'node:24-bookworm-slim';

/** One endpoint, one local ONNX model, no A/B, every default applied. */
export function minimalModel(): ServiceModel {
  return {
    apiVersion: 'mlservice/v1',
    service: { name: 'scorer', description: 'Scores a row of numeric features', owner: 'ds-team', version: '0.1.0' },
    models: [
      {
        name: 'scorer',
        source: { kind: 'local', uri: 'models/scorer/model.onnx', path: 'models/scorer/model.onnx' },
        runtime: 'onnx',
      },
    ],
    endpoints: [
      {
        name: 'score',
        path: '/v1/score',
        description: '',
        input: {
          properties: { features: { items: { type: 'number' }, maxItems: 4, minItems: 4, type: 'array' } },
          required: ['features'],
          type: 'object',
        },
        output: { properties: { score: { type: 'number' } }, required: ['score'], type: 'object' },
        model: 'scorer',
        batching: { enabled: true, maxBatchSize: 32, maxLatencyMs: 5, maxQueueRows: 1024, queueBudgetMs: 100 },
        examples: [{ features: [0.1, 0.2, 0.3, 0.4] }],
      },
    ],
    server: { ...DEFAULT_SERVER },
    deploy: {
      image: { registry: 'registry.example.com', repository: 'ds/scorer', base: NODE_IMAGE, buildBase: NODE_IMAGE },
      kubernetes: {
        namespace: 'ds',
        replicas: { min: 2, max: 4 },
        targetCpuUtilization: 70,
        resources: structuredClone(DEFAULT_RESOURCES),
        minAvailable: 1,
        serviceMonitor: true,
        networkPolicy: false,
      },
      spinnaker: { application: 'scorer', account: 'k8s-prod', canary: { ...DEFAULT_CANARY } },
    },
  };
}

/** Two registry models behind a sticky 90/10 A/B split on `user_id`, tuned batching. */
export function abModel(): ServiceModel {
  return {
    apiVersion: 'mlservice/v1',
    service: { name: 'activity-ranker', description: 'Ranks activities for a user', owner: 'reco-team', version: '1.2.0' },
    models: [
      {
        name: 'ranker-control',
        source: { kind: 'registry-version', uri: 'models:/activity-ranker/12', registeredModel: 'activity-ranker', version: '12' },
        runtime: 'onnx',
      },
      {
        name: 'ranker-treatment',
        source: { kind: 'registry-alias', uri: 'models:/activity-ranker@challenger', registeredModel: 'activity-ranker', alias: 'challenger' },
        runtime: 'onnx',
      },
    ],
    endpoints: [
      {
        name: 'rank',
        path: '/v1/rank',
        description: '',
        input: {
          // In the order AB_YAML writes them: that order is meaningful (features, docs).
          properties: {
            user_id: { minLength: 1, type: 'string' },
            device: { enum: ['desktop', 'mobile'], type: 'string' },
            history: { items: { type: 'integer' }, maxItems: 20, type: 'array' },
            activity_ids: { items: { type: 'integer' }, maxItems: 200, minItems: 1, type: 'array' },
          },
          required: ['user_id', 'activity_ids'],
          type: 'object',
        },
        output: { properties: { scores: { items: { type: 'number' }, type: 'array' } }, required: ['scores'], type: 'object' },
        ab: {
          experiment: 'ranker-2026-11',
          salt: 'ranker-2026-11',
          unit: 'user_id',
          variants: [
            { name: 'control', model: 'ranker-control', weight: 90, basisPoints: 9000 },
            { name: 'treatment', model: 'ranker-treatment', weight: 10, basisPoints: 1000 },
          ],
          missingUnit: 'reject',
          overrideHeader: 'x-mlservice-variant',
        },
        batching: { enabled: true, maxBatchSize: 64, maxLatencyMs: 10, maxQueueRows: 4096, queueBudgetMs: 100 },
        examples: [{ user_id: 'u-1', device: 'mobile', history: [3, 5], activity_ids: [11, 12, 13] }],
      },
    ],
    server: { ...DEFAULT_SERVER },
    deploy: {
      image: {
        registry: '123456789012.dkr.ecr.eu-central-1.amazonaws.com',
        repository: 'reco/activity-ranker',
        base: NODE_IMAGE,
        buildBase: NODE_IMAGE,
      },
      kubernetes: {
        namespace: 'reco',
        replicas: { min: 2, max: 10 },
        targetCpuUtilization: 70,
        resources: structuredClone(DEFAULT_RESOURCES),
        minAvailable: 1,
        serviceMonitor: true,
        networkPolicy: false,
      },
      spinnaker: { application: 'reco', account: 'k8s-prod', canary: { ...DEFAULT_CANARY } },
    },
  };
}
