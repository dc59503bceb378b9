/**
 * One row per rule and error code: a small edit to a valid config and the exact diagnostics it
 * must produce, line:col included. Positions are those of the edited base text.
 */
import { describe, expect, it } from 'vitest';
import { AB_YAML, MINIMAL_YAML } from '../../testkit/fixtures.js';
import { edit, problems } from './helpers.js';

interface Case {
  name: string;
  base: string;
  from: string;
  to: string;
  want: string[];
}

const CASES: Case[] = [
  {
    name: 'unknown key with did-you-mean',
    base: AB_YAML,
    from: '    replicas: {min: 2, max: 10}',
    to: '    replica: {min: 2, max: 10}',
    want: ['mlservice.yaml:43:5 error CONFIG.UNKNOWN_KEY unknown key "replica" in deploy.kubernetes\n  fix: did you mean "replicas"?'],
  },
  {
    name: 'unknown key without a near match lists the keys',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  team: x\n',
    want: ['mlservice.yaml:6:3 error CONFIG.UNKNOWN_KEY unknown key "team" in service\n  fix: use one of the keys: "name", "description", "owner", "contact", "license", "version"'],
  },
  {
    name: 'YAML merge key',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  <<: {x: 1}\n',
    want: ['mlservice.yaml:6:3 error CONFIG.UNKNOWN_KEY YAML merge key "<<" in service is not supported\n  fix: put an anchor on the whole value (&name) and reuse it with an alias (*name)'],
  },
  {
    name: 'missing key with example',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '',
    want: ['mlservice.yaml:2:1 error CONFIG.MISSING_KEY missing key "owner" in service\n  fix: add "owner", e.g. "owner: reco-team"'],
  },
  {
    name: 'missing nested key',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    serviceMonitor: true\n',
    want: ['mlservice.yaml:32:3 error CONFIG.MISSING_KEY missing key "namespace" in deploy.kubernetes\n  fix: add "namespace", e.g. "namespace: reco"'],
  },
  {
    name: 'endpoint with neither model nor ab',
    base: MINIMAL_YAML,
    from: '    model: scorer\n',
    to: '',
    want: ['mlservice.yaml:10:5 error CONFIG.MISSING_KEY endpoints[0] needs "model" or "ab"\n  fix: add "model: <name>" to serve one model, or "ab:" to split traffic between models'],
  },
  {
    name: 'endpoint with both model and ab',
    base: AB_YAML,
    from: '    ab:\n',
    to: '    model: ranker-control\n    ab:\n',
    want: ['mlservice.yaml:27:5 error CONFIG.CONFLICTING_KEYS endpoints[0] sets both "model" and "ab"\n  fix: keep "model" to serve one model, or "ab" to split traffic between models'],
  },
  {
    name: 'license with both an SPDX identifier and a url (OpenAPI allows one)',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  license: {name: Apache 2.0, identifier: Apache-2.0, url: "https://www.apache.org/licenses/LICENSE-2.0"}\n',
    want: ['mlservice.yaml:6:55 error CONFIG.CONFLICTING_KEYS service.license sets both "identifier" and "url"\n  fix: keep one of "identifier" and "url"; they exclude each other'],
  },
  {
    name: 'type: number where text is expected keeps the source text in the fix',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  version: 1.10\n',
    want: ['mlservice.yaml:6:12 error CONFIG.TYPE service.version must be text, got number 1.1\n  fix: quote it: "1.10"'],
  },
  {
    name: 'type: quoted number',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    namespace: ds\n    minAvailable: "2"\n',
    want: ['mlservice.yaml:34:19 error CONFIG.TYPE deploy.kubernetes.minAvailable must be an integer, got text "2"\n  fix: remove the quotes'],
  },
  {
    name: 'type: fraction where an integer is expected',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    namespace: ds\n    minAvailable: 1.5\n',
    want: ['mlservice.yaml:34:19 error CONFIG.TYPE deploy.kubernetes.minAvailable must be an integer, got number 1.5\n  fix: use a whole number such as 2'],
  },
  {
    name: 'type: empty value',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    namespace: ds\n    replicas:\n',
    want: ['mlservice.yaml:34:14 error CONFIG.TYPE deploy.kubernetes.replicas must be a mapping, got nothing (null)\n  fix: write a value after the colon, or remove the key to use the default'],
  },
  {
    name: 'type: list instead of mapping',
    base: MINIMAL_YAML,
    from: '  image:\n    registry: registry.example.com\n    repository: ds/scorer\n',
    to: '  image: [registry.example.com]\n',
    want: ['mlservice.yaml:29:10 error CONFIG.TYPE deploy.image must be a mapping, got a list\n  fix: write a mapping here'],
  },
  {
    name: 'apiVersion',
    base: MINIMAL_YAML,
    from: 'apiVersion: mlservice/v1',
    to: 'apiVersion: mlservice/v2',
    want: ['mlservice.yaml:1:13 error CONFIG.API_VERSION unsupported apiVersion "mlservice/v2"\n  fix: write "apiVersion: mlservice/v1"'],
  },
  {
    name: 'enum with did-you-mean',
    base: MINIMAL_YAML,
    from: '    source: models/scorer/model.onnx\n',
    to: '    source: models/scorer/model.onnx\n    runtime: onx\n',
    want: ['mlservice.yaml:9:14 error CONFIG.ENUM models[0].runtime must be "onnx", got "onx"\n  fix: did you mean "onnx"?'],
  },
  {
    name: 'batching: true',
    base: MINIMAL_YAML,
    from: '    model: scorer\n',
    to: '    model: scorer\n    batching: true\n',
    want: [
      'mlservice.yaml:12:15 error CONFIG.ENUM endpoints[0].batching must be false, got true\n  fix: batching is on by default: remove the key to keep it, or write "batching: false" to turn it off',
    ],
  },
  {
    name: 'missingUnit typo',
    base: AB_YAML,
    from: '      overrideHeader:',
    to: '      missingUnit: rejct\n      overrideHeader:',
    want: ['mlservice.yaml:33:20 error CONFIG.ENUM endpoints[0].ab.missingUnit must be "reject", got "rejct"\n  fix: write "missingUnit: reject" or "missingUnit: {variant: <name>}"'],
  },
  {
    name: 'pattern: DNS label',
    base: MINIMAL_YAML,
    from: '  name: scorer\n',
    to: '  name: Scorer_1\n',
    want: [
      'mlservice.yaml:3:9 error CONFIG.PATTERN service.name has an invalid value "Scorer_1"\n  fix: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "activity-ranker")',
    ],
  },
  {
    name: 'pattern: semver',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  version: v1\n',
    want: ['mlservice.yaml:6:12 error CONFIG.PATTERN service.version has an invalid value "v1"\n  fix: use a semantic version such as "1.2.0"'],
  },
  {
    name: 'pattern: canary lifetime',
    base: MINIMAL_YAML,
    from: '    account: k8s-prod\n',
    to: '    account: k8s-prod\n    canary: {lifetime: 30m}\n',
    want: ['mlservice.yaml:37:24 error CONFIG.PATTERN deploy.spinnaker.canary.lifetime has an invalid value "30m"\n  fix: use an ISO-8601 duration in hours and minutes, e.g. "PT30M" or "PT1H30M"'],
  },
  {
    name: 'pattern: memory quantity',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    namespace: ds\n    resources: {limits: {memory: 1G}}\n',
    want: ['mlservice.yaml:34:34 error CONFIG.PATTERN deploy.kubernetes.resources.limits.memory has an invalid value "1G"\n  fix: use a binary quantity such as "512Mi" or "2Gi"'],
  },
  {
    name: 'pattern: endpoint path',
    base: MINIMAL_YAML,
    from: '    model: scorer\n',
    to: '    model: scorer\n    path: v1/score/\n',
    want: [
      'mlservice.yaml:12:11 error CONFIG.PATTERN endpoints[0].path has an invalid value "v1/score/"\n  fix: start with "/", use letters, digits, ".", "_", "~" and "-" between slashes, no trailing "/" (e.g. "/v1/rank")',
    ],
  },
  {
    name: 'pattern: override header',
    base: AB_YAML,
    from: 'overrideHeader: x-mlservice-variant',
    to: 'overrideHeader: X-Variant',
    want: ['mlservice.yaml:33:23 error CONFIG.PATTERN endpoints[0].ab.overrideHeader has an invalid value "X-Variant"\n  fix: use a lowercase HTTP header name such as "x-mlservice-force-variant"'],
  },
  {
    name: 'format: email',
    base: MINIMAL_YAML,
    from: '  owner: ds-team\n',
    to: '  owner: ds-team\n  contact: {email: not-an-email}\n',
    want: ['mlservice.yaml:6:20 error CONFIG.PATTERN service.contact.email has an invalid value "not-an-email"\n  fix: use an e-mail address such as "team@example.com"'],
  },
  {
    name: 'range: port',
    base: MINIMAL_YAML,
    from: 'deploy:\n',
    to: 'server: {port: 70000}\ndeploy:\n',
    want: ['mlservice.yaml:28:16 error CONFIG.RANGE server.port must be at most 65535, got 70000\n  fix: use a number at most 65535'],
  },
  {
    name: 'range: service name length',
    base: MINIMAL_YAML,
    from: '  name: scorer\n',
    to: '  name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n',
    want: ['mlservice.yaml:3:9 error CONFIG.RANGE service.name must have at most 53 characters, got 54\n  fix: shorten it: Helm adds suffixes to the name and Kubernetes allows 63 characters'],
  },
  {
    name: 'range: one variant',
    base: AB_YAML,
    from: '        - {name: treatment, model: ranker-treatment, weight: 10}\n',
    to: '',
    want: [
      'mlservice.yaml:31:9 error CONFIG.RANGE endpoints[0].ab.variants must have at least 2 items, got 1\n  fix: an A/B split needs at least two variants; to serve one model write "model: <name>" instead of "ab"',
    ],
  },
  {
    name: 'range: empty string',
    base: AB_YAML,
    from: 'experiment: ranker-2026-11',
    to: 'experiment: ""',
    want: ['mlservice.yaml:28:19 error CONFIG.RANGE endpoints[0].ab.experiment is empty\n  fix: write a value'],
  },
  {
    name: 'duplicate item',
    base: MINIMAL_YAML,
    from: '    source: models/scorer/model.onnx\n',
    to: '    source: models/scorer/model.onnx\n    outputs: [a, b, a]\n',
    want: ['mlservice.yaml:9:15 error CONFIG.DUPLICATE_ITEM models[0].outputs lists "a" twice\n  fix: remove the repeated item'],
  },
  {
    name: 'model source: ..',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: ../scorer/model.onnx',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "../scorer/model.onnx": path leaves the project directory ("..")\n  fix: copy the model into the project (e.g. models/<name>/model.onnx) and point there',
    ],
  },
  {
    name: 'model source: absolute',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: /srv/models/scorer.onnx',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "/srv/models/scorer.onnx": absolute paths break on every other machine\n  fix: write a path relative to the project root, e.g. models/scorer/model.onnx',
    ],
  },
  {
    name: 'model source: no version',
    base: AB_YAML,
    from: 'source: models:/activity-ranker/12',
    to: 'source: models:/activity-ranker',
    want: [
      'mlservice.yaml:9:13 error CONFIG.MODEL_SOURCE models[0].source "models:/activity-ranker": registry source without a version, alias or "latest"\n  fix: pin it: models:/activity-ranker/<version>, models:/activity-ranker@<alias> or models:/activity-ranker/latest',
    ],
  },
  {
    name: 'model source: version not a number',
    base: AB_YAML,
    from: 'source: models:/activity-ranker/12',
    to: 'source: models:/activity-ranker/v12',
    want: [
      'mlservice.yaml:9:13 error CONFIG.MODEL_SOURCE models[0].source "models:/activity-ranker/v12": invalid model version "v12"\n  fix: versions are positive integers (e.g. models:/ranker/12); use @alias or /latest for moving references',
    ],
  },
  {
    name: 'model source: http',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: http://models.example.com/scorer.onnx',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "http://models.example.com/scorer.onnx": plain http is not allowed for model downloads\n  fix: use https:// (https://models.example.com/scorer.onnx)',
    ],
  },
  {
    name: 'model source: s3',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: s3://bucket/scorer.onnx',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "s3://bucket/scorer.onnx": unsupported scheme "s3:"\n  fix: use models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest, an https:// URL or a path relative to the project',
    ],
  },
  {
    name: 'model source: runs',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: runs:/0a1b2c/model',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "runs:/0a1b2c/model": MLflow run URIs are not pinned to a registered version\n  fix: register the model and use models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest',
    ],
  },
  {
    name: 'model source: credentials',
    base: MINIMAL_YAML,
    from: 'source: models/scorer/model.onnx',
    to: 'source: https://user:pw@models.example.com/scorer.onnx',
    want: [
      'mlservice.yaml:8:13 error CONFIG.MODEL_SOURCE models[0].source "https://user:pw@models.example.com/scorer.onnx": credentials in the URL would end up in the image and the logs\n  fix: remove "user:password@" and let the download step authenticate',
    ],
  },
  {
    name: 'duplicate model name',
    base: AB_YAML,
    from: '  - name: ranker-treatment\n',
    to: '  - name: ranker-control\n',
    want: [
      'mlservice.yaml:10:11 error CONFIG.DUPLICATE_NAME model name "ranker-control" is used twice (models[0] and models[1])\n  fix: rename one of the two models',
      'mlservice.yaml:32:36 error CONFIG.UNKNOWN_MODEL endpoints[0].ab.variants[1].model refers to model "ranker-treatment", which "models" does not define\n  fix: use one of the defined models: "ranker-control"',
    ],
  },
  {
    name: 'duplicate endpoint path',
    base: MINIMAL_YAML,
    from: 'deploy:\n',
    to: '  - name: other\n    path: /v1/score\n    model: scorer\n    input: {type: object}\n    output: {type: object}\ndeploy:\n',
    want: ['mlservice.yaml:29:11 error CONFIG.DUPLICATE_PATH endpoint path "/v1/score" is already used by endpoints[0]\n  fix: give each endpoint its own "path" (the default is /v1/<name>)'],
  },
  {
    name: 'reserved path',
    base: MINIMAL_YAML,
    from: '    model: scorer\n',
    to: '    model: scorer\n    path: /metrics/score\n',
    want: ['mlservice.yaml:12:11 error CONFIG.RESERVED_PATH endpoint path "/metrics/score" collides with "/metrics", which the runtime serves\n  fix: choose another path, e.g. "/v1/score"'],
  },
  {
    name: 'duplicate variant name',
    base: AB_YAML,
    from: '{name: treatment, model: ranker-treatment',
    to: '{name: control, model: ranker-treatment',
    want: [
      'mlservice.yaml:32:18 error CONFIG.DUPLICATE_NAME variant name "control" is used twice (endpoints[0].ab.variants[0] and endpoints[0].ab.variants[1])\n  fix: rename one of the two variants',
    ],
  },
  {
    name: 'unknown model in endpoint',
    base: MINIMAL_YAML,
    from: '    model: scorer\n',
    to: '    model: scorrer\n',
    want: ['mlservice.yaml:11:12 error CONFIG.UNKNOWN_MODEL endpoints[0].model refers to model "scorrer", which "models" does not define\n  fix: did you mean "scorer"?'],
  },
  {
    name: 'unknown model in variant',
    base: AB_YAML,
    from: 'model: ranker-control,',
    to: 'model: ranker-contrl,',
    want: ['mlservice.yaml:31:34 error CONFIG.UNKNOWN_MODEL endpoints[0].ab.variants[0].model refers to model "ranker-contrl", which "models" does not define\n  fix: did you mean "ranker-control"?'],
  },
  {
    name: 'weights do not sum to 100',
    base: AB_YAML,
    from: 'weight: 10}',
    to: 'weight: 5}',
    want: ['mlservice.yaml:30:7 error CONFIG.WEIGHT_SUM variant weights of endpoints[0] sum to 95, not 100\n  fix: change the weights so they add up to 100 (add 5)'],
  },
  {
    name: 'weights over 100',
    base: AB_YAML,
    from: 'weight: 10}',
    to: 'weight: 10.5}',
    want: ['mlservice.yaml:30:7 error CONFIG.WEIGHT_SUM variant weights of endpoints[0] sum to 100.5, not 100\n  fix: change the weights so they add up to 100 (remove 0.5)'],
  },
  {
    name: 'weight precision',
    base: AB_YAML,
    from: 'weight: 90}',
    to: 'weight: 89.995}',
    want: ['mlservice.yaml:31:58 error CONFIG.WEIGHT_PRECISION variant "control" has weight 89.995, finer than 0.01\n  fix: round it to two decimals (90)'],
  },
  {
    name: 'unit not an input property',
    base: AB_YAML,
    from: 'unit: user_id',
    to: 'unit: userid',
    want: ['mlservice.yaml:29:13 error CONFIG.AB_UNIT A/B unit "userid" is not a top-level property of endpoints[0].input\n  fix: did you mean "user_id"?'],
  },
  {
    name: 'unit of the wrong type',
    base: AB_YAML,
    from: 'unit: user_id',
    to: 'unit: history',
    want: [
      'mlservice.yaml:29:13 error CONFIG.AB_UNIT A/B unit "history" must be a string or integer property, but its type is "array"\n  fix: use an id-like input property (type: string or type: integer) as the unit',
    ],
  },
  {
    name: 'missingUnit variant unknown',
    base: AB_YAML,
    from: '      overrideHeader:',
    to: '      missingUnit: {variant: treatmnt}\n      overrideHeader:',
    want: ['mlservice.yaml:33:30 error CONFIG.UNKNOWN_VARIANT missingUnit names variant "treatmnt", which the split does not define\n  fix: did you mean "treatment"?'],
  },
  {
    name: 'replicas min > max',
    base: MINIMAL_YAML,
    from: '    namespace: ds\n',
    to: '    namespace: ds\n    replicas: {min: 5}\n',
    want: ['mlservice.yaml:34:5 error CONFIG.REPLICAS deploy.kubernetes.replicas: min (5) is greater than max (4)\n  fix: raise max to at least 5, or lower min (max defaults to 4)'],
  },
  {
    name: 'canary marginal >= pass',
    base: MINIMAL_YAML,
    from: '    account: k8s-prod\n',
    to: '    account: k8s-prod\n    canary: {pass: 80, marginal: 80}\n',
    want: ['mlservice.yaml:37:34 error CONFIG.CANARY_THRESHOLDS canary marginal score (80) must be below the pass score (80)\n  fix: lower marginal or raise pass (defaults: marginal 75, pass 90)'],
  },
  {
    name: 'canary lifetime < interval',
    base: MINIMAL_YAML,
    from: '    account: k8s-prod\n',
    to: '    account: k8s-prod\n    canary: {lifetime: PT5M}\n',
    want: [
      'mlservice.yaml:37:24 error CONFIG.CANARY_LIFETIME canary lifetime PT5M (5 min) is shorter than one analysis interval (10 min)\n  fix: make lifetime at least PT10M or shorten intervalMinutes',
    ],
  },
  {
    name: 'input schema does not compile',
    base: MINIMAL_YAML,
    from: 'minItems: 4',
    to: 'minitems: 4',
    want: [
      'mlservice.yaml:12:5 error CONFIG.SCHEMA_INVALID endpoints[0].input is not a valid JSON Schema: unknown keyword: "minitems"\n  fix: fix the schema (a misspelt keyword such as "maxitems" is a common cause); see https://json-schema.org/understanding-json-schema/',
    ],
  },
  {
    name: 'input is not an object schema',
    base: MINIMAL_YAML,
    from: '    input:\n      type: object\n',
    to: '    input:\n      type: array\n',
    want: [
      'mlservice.yaml:13:13 error CONFIG.ENUM endpoints[0].input.type must be "object", got "array"\n  fix: request bodies are JSON objects: write "type: object" and describe fields under "properties"',
    ],
  },
  {
    name: 'example does not match input',
    base: MINIMAL_YAML,
    from: '      - features: [0.1, 0.2, 0.3, 0.4]',
    to: '      - features: [0.1, 0.2, "x", 0.4]',
    want: [
      'mlservice.yaml:27:30 error CONFIG.EXAMPLE_INVALID endpoints[0].examples[0] does not match input: /features/2 must be number\n  fix: change the example, or the input schema if the example is right',
    ],
  },
  {
    name: 'type: mapping instead of list',
    base: MINIMAL_YAML,
    from: 'models:\n  - name: scorer\n    source: models/scorer/model.onnx\n',
    to: 'models:\n  scorer: models/scorer/model.onnx\n',
    want: ['mlservice.yaml:7:3 error CONFIG.TYPE models must be a list, got a mapping\n  fix: write a list: one "- " entry per item, or [a, b] on one line'],
  },
  {
    name: 'input schema without type',
    base: MINIMAL_YAML,
    from: '    input:\n      type: object\n',
    to: '    input:\n',
    want: ['mlservice.yaml:12:5 error CONFIG.MISSING_KEY missing key "type" in endpoints[0].input\n  fix: add "type", e.g. "type: object"'],
  },
  {
    name: 'misspelt required key: one diagnostic, not two',
    base: AB_YAML,
    from: '{name: control, model: ranker-control, weight: 90}',
    to: '{name: control, modl: ranker-control, weight: 90}',
    want: ['mlservice.yaml:31:27 error CONFIG.UNKNOWN_KEY unknown key "modl" in endpoints[0].ab.variants[0]\n  fix: did you mean "model"?'],
  },
  {
    name: 'type: required mapping left empty',
    base: MINIMAL_YAML,
    from: 'service:\n  name: scorer\n  description: Scores a row of numeric features\n  owner: ds-team\n',
    to: 'service:\n',
    want: ['mlservice.yaml:2:9 error CONFIG.TYPE service must be a mapping, got nothing (null)\n  fix: write a value after the colon'],
  },
  {
    name: 'type: weight written as a percentage',
    base: AB_YAML,
    from: 'weight: 90}',
    to: 'weight: "90%"}',
    want: ['mlservice.yaml:31:58 error CONFIG.TYPE endpoints[0].ab.variants[0].weight must be a number, got text "90%"\n  fix: write 90 (a percentage, without "%")'],
  },
  {
    name: 'input schema declares draft-07',
    base: MINIMAL_YAML,
    from: '    input:\n',
    to: '    input:\n      $schema: "http://json-schema.org/draft-07/schema#"\n',
    want: [
      'mlservice.yaml:12:5 error CONFIG.SCHEMA_INVALID endpoints[0].input is not a valid JSON Schema: no schema with key or ref "http://json-schema.org/draft-07/schema#"\n  fix: remove "$schema": endpoint schemas are JSON Schema draft 2020-12',
    ],
  },
  {
    name: 'bearer auth with an API key header',
    base: MINIMAL_YAML,
    from: 'deploy:\n',
    to: 'server:\n  auth:\n    type: bearer\n    header: x-api-key\ndeploy:\n',
    want: [
      'mlservice.yaml:31:5 error CONFIG.CONFLICTING_KEYS server.auth sets "header" with type bearer\n  fix: remove "header" (a bearer token always comes in "Authorization: Bearer <token>"), or use type apiKey',
    ],
  },
  {
    name: 'API key in the Authorization header',
    base: MINIMAL_YAML,
    from: 'deploy:\n',
    to: 'server:\n  auth: {type: apiKey, header: authorization}\ndeploy:\n',
    want: [
      'mlservice.yaml:29:32 error CONFIG.RESERVED_HEADER server.auth.header "authorization" already has a meaning for HTTP or for the service\n  fix: choose a header of its own, e.g. "x-api-key" (the default)',
    ],
  },
  {
    name: 'API key in the A/B override header',
    base: AB_YAML,
    from: '      overrideHeader: x-mlservice-variant\n    batching: {maxBatchSize: 64, maxLatencyMs: 10, maxQueueRows: 4096}\n    examples:\n      - {user_id: u-1, device: mobile, history: [3, 5], activity_ids: [11, 12, 13]}\ndeploy:\n',
    to: '      overrideHeader: x-force-variant\n    batching: {maxBatchSize: 64, maxLatencyMs: 10, maxQueueRows: 4096}\n    examples:\n      - {user_id: u-1, device: mobile, history: [3, 5], activity_ids: [11, 12, 13]}\nserver:\n  auth: {type: apiKey, header: x-force-variant}\ndeploy:\n',
    want: [
      'mlservice.yaml:38:32 error CONFIG.RESERVED_HEADER server.auth.header "x-force-variant" already has a meaning for HTTP or for the service\n  fix: choose a header of its own, e.g. "x-api-key" (the default)',
    ],
  },
];

describe('config diagnostics', () => {
  it('the base configs are valid', () => {
    expect(problems(MINIMAL_YAML)).toEqual([]);
    expect(problems(AB_YAML)).toEqual([]);
  });
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(problems(edit(c.base, c.from, c.to))).toEqual(c.want);
  });
  it('reports every problem of a file at once, in file order', () => {
    let text = edit(AB_YAML, '  name: activity-ranker', '  name: Activity');
    text = edit(text, 'weight: 10}', 'weight: 20}');
    text = edit(text, '    replicas: {min: 2, max: 10}', '    replica: {min: 2, max: 10}');
    expect(problems(text).map((p) => p.split('\n')[0])).toEqual([
      'mlservice.yaml:3:9 error CONFIG.PATTERN service.name has an invalid value "Activity"',
      'mlservice.yaml:30:7 error CONFIG.WEIGHT_SUM variant weights of endpoints[0] sum to 110, not 100',
      'mlservice.yaml:43:5 error CONFIG.UNKNOWN_KEY unknown key "replica" in deploy.kubernetes',
    ]);
  });
  it('labels diagnostics with the file path as given', () => {
    expect(problems(edit(MINIMAL_YAML, 'apiVersion: mlservice/v1', 'apiVersion: v1'), 'services/a/mlservice.yaml')[0]).toBe(
      'services/a/mlservice.yaml:1:13 error CONFIG.API_VERSION unsupported apiVersion "v1"\n  fix: write "apiVersion: mlservice/v1"',
    );
  });
});
