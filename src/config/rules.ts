/**
 * Semantic rules the JSON Schema cannot express: references resolve, names and paths are unique,
 * weights sum to 100, the A/B unit exists, ranges are ordered. Each rule only reads subtrees that
 * passed schema validation (`ctx.clean`), so one broken field never hides or crashes another rule.
 */
import { VARIANT_HEADER } from '@mlservice/runtime/names';
import { type RuleContext, uniqueNames } from './rule-context.js';
import { endpointRules } from './rules-endpoint.js';

export function semanticRules(ctx: RuleContext): void {
  uniqueNames(ctx, 'models', ctx.raw.models, 'model');
  uniqueNames(ctx, 'endpoints', ctx.raw.endpoints, 'endpoint');
  endpointRules(ctx);
  authRules(ctx);
  deployRules(ctx);
}

/**
 * Headers an API key must not travel in: HTTP's own (RFC 9110 fields every proxy reads or rewrites),
 * and the ones the service reads or writes itself (request id, variant; the A/B override is added
 * per config).
 */
const RESERVED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host', 'connection', 'content-type', 'content-length', 'transfer-encoding', 'x-request-id', VARIANT_HEADER];

function authRules(ctx: RuleContext): void {
  const auth = ctx.raw.server?.auth;
  if (!auth || !ctx.clean('/server/auth')) return;
  const at = ['server', 'auth', 'header'];
  if (auth.type === 'bearer' && auth.header !== undefined) {
    ctx.report(
      'CONFIG.CONFLICTING_KEYS',
      at,
      'server.auth sets "header" with type bearer',
      'remove "header" (a bearer token always comes in "Authorization: Bearer <token>"), or use type apiKey',
      'key',
    );
    return;
  }
  const overrides = (ctx.clean('/endpoints') ? ctx.raw.endpoints : []).flatMap((e) => (e.ab?.overrideHeader ? [e.ab.overrideHeader] : []));
  if (auth.type === 'apiKey' && auth.header !== undefined && [...RESERVED_HEADERS, ...overrides].includes(auth.header)) {
    ctx.report(
      'CONFIG.RESERVED_HEADER',
      at,
      `server.auth.header ${JSON.stringify(auth.header)} already has a meaning for HTTP or for the service`,
      'choose a header of its own, e.g. "x-api-key" (the default)',
    );
  }
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
      ctx.report(
        'CONFIG.REPLICAS',
        ['deploy', 'kubernetes', 'replicas'],
        `deploy.kubernetes.replicas: min (${min}) is greater than max (${max})`,
        `raise max to at least ${min}, or lower min (max defaults to 4)`,
        'key',
      );
    }
  }
  const canary = ctx.raw.deploy?.spinnaker?.canary;
  if (!ctx.clean('/deploy/spinnaker/canary') || !canary) return;
  const { pass, marginal, lifetime, intervalMinutes } = canary as Required<typeof canary>;
  const at = ['deploy', 'spinnaker', 'canary'];
  if (marginal >= pass) {
    ctx.report(
      'CONFIG.CANARY_THRESHOLDS',
      [...at, 'marginal'],
      `canary marginal score (${marginal}) must be below the pass score (${pass})`,
      'lower marginal or raise pass (defaults: marginal 75, pass 90)',
    );
  }
  const minutes = isoMinutes(lifetime);
  if (minutes < intervalMinutes) {
    ctx.report(
      'CONFIG.CANARY_LIFETIME',
      [...at, 'lifetime'],
      `canary lifetime ${lifetime} (${minutes} min) is shorter than one analysis interval (${intervalMinutes} min)`,
      `make lifetime at least PT${intervalMinutes}M or shorten intervalMinutes`,
    );
  }
}
