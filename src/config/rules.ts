/**
 * Semantic rules the JSON Schema cannot express: references resolve, names and paths are unique,
 * weights sum to 100, the A/B unit exists, ranges are ordered. Each rule only reads subtrees that
 * passed schema validation (`ctx.clean`), so one broken field never hides or crashes another rule.
 */
import { type RuleContext, uniqueNames } from './rule-context.js';
import { endpointRules } from './rules-endpoint.js';

export function semanticRules(ctx: RuleContext): void {
  uniqueNames(ctx, 'models', ctx.raw.models, 'model');
  uniqueNames(ctx, 'endpoints', ctx.raw.endpoints, 'endpoint');
  endpointRules(ctx);
  deployRules(ctx);
}

function isoMinutes(duration: string): number {
  const m = /^PT(?:([0-9]+)H)?(?:([0-9]+)M)?$/.exec(duration);
  return m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
}

function deployRules(ctx: RuleContext): void {
  const k8s = ctx.raw.deploy?.kubernetes;
  if (ctx.clean('/deploy/kubernetes/replicas') && k8s?.replicas) {
    // Defaults are already applied (ajv useDefaults), so both bounds are present.
    const { min, max } = k8s.replicas as { min: number; max: number };
    if (min > max) {
      ctx.report('CONFIG.REPLICAS', ['deploy', 'kubernetes', 'replicas'], `deploy.kubernetes.replicas: min (${min}) is greater than max (${max})`, `raise max to at least ${min}, or lower min (max defaults to 4)`, 'key');
    }
  }
  const canary = ctx.raw.deploy?.spinnaker?.canary;
  if (!ctx.clean('/deploy/spinnaker/canary') || !canary) return;
  const { pass, marginal, lifetime, intervalMinutes } = canary as Required<typeof canary>;
  const at = ['deploy', 'spinnaker', 'canary'];
  if (marginal >= pass) {
    ctx.report('CONFIG.CANARY_THRESHOLDS', [...at, 'marginal'], `canary marginal score (${marginal}) must be below the pass score (${pass})`, 'lower marginal or raise pass (defaults: marginal 75, pass 90)');
  }
  const minutes = isoMinutes(lifetime);
  if (minutes < intervalMinutes) {
    ctx.report('CONFIG.CANARY_LIFETIME', [...at, 'lifetime'], `canary lifetime ${lifetime} (${minutes} min) is shorter than one analysis interval (${intervalMinutes} min)`, `make lifetime at least PT${intervalMinutes}M or shorten intervalMinutes`);
  }
}
