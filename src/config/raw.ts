/**
 * The shape of mlservice.yaml as written (before defaults), mirroring
 * `schemas/mlservice.schema.json`. Only trusted for subtrees that passed schema validation; the
 * semantic rules check that before they read a field.
 */
import type { JsonSchema } from './model.js';

export interface RawConfig {
  apiVersion: 'mlservice/v1';
  service: { name: string; description?: string; owner: string; contact?: { name?: string; email?: string; url?: string }; license?: { name: string; identifier?: string; url?: string }; version?: string };
  models: RawModel[];
  endpoints: RawEndpoint[];
  server?: { port?: number; bodyLimitBytes?: number; shutdownGraceMs?: number; auth?: RawAuth };
  deploy: RawDeploy;
}

export interface RawAuth {
  type: 'apiKey' | 'bearer';
  header?: string;
  secretName?: string;
  secretKey?: string;
}

export interface RawModel {
  name: string;
  source: string;
  runtime?: 'onnx';
  outputs?: string[];
}

export interface RawEndpoint {
  name: string;
  path?: string;
  description?: string;
  input: JsonSchema;
  output: JsonSchema;
  model?: string;
  ab?: RawAb;
  batching?: false | { enabled?: boolean; maxBatchSize?: number; maxLatencyMs?: number; maxQueueRows?: number; queueBudgetMs?: number };
  examples?: Record<string, unknown>[];
}

export interface RawAb {
  experiment: string;
  salt?: string;
  unit: string;
  variants: { name: string; model: string; weight: number }[];
  missingUnit?: 'reject' | { variant: string };
  overrideHeader?: string;
}

export interface RawDeploy {
  image: { registry: string; repository: string; base?: string; buildBase?: string };
  kubernetes: {
    namespace: string;
    replicas?: { min?: number; max?: number };
    targetCpuUtilization?: number;
    resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
    minAvailable?: number;
    serviceMonitor?: boolean;
    networkPolicy?: boolean;
  };
  spinnaker: {
    application: string;
    account: string;
    canary?: { lifetime?: string; intervalMinutes?: number; pass?: number; marginal?: number; replicas?: number };
  };
}
