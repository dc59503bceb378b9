/**
 * `summarizeChanges(before, after)`: the semantic summary printed by `mlgen sync` and `mlgen diff`.
 * Config sections are compared by meaning; the API is compared on the OpenAPI documents the
 * emitter builds, so the classification sees exactly what clients see.
 */
import type { ServiceModel } from '../config/model.js';
import { buildOpenApi } from '../emit/openapi.js';
import { endpointsChanges, modelChanges, settingsChanges } from './config-diff.js';
import { showValue } from './leaf-diff.js';
import { diffOpenApi } from './openapi-diff.js';
import { isDeployPath } from './local-changes.js';
import type { ChangeItem, ChangeLabel, ChangeSection, ChangeSummary, LocalChange } from './types.js';

export const SECTION_ORDER: readonly ChangeSection[] = ['service', 'models', 'endpoints', 'ab', 'batching', 'server', 'deploy', 'api'];

/** Sections whose changes alter what runs in the cluster beyond the service's own logic. */
const DEPLOY_SECTIONS: ReadonlySet<ChangeSection> = new Set(['server', 'deploy']);

/** The config pointer of the endpoint serving `operation` (`POST /v1/rank`), for provenance. */
function operationSource(operation: string, before: ServiceModel | null, after: ServiceModel): string {
  const path = operation.slice(operation.indexOf(' ') + 1);
  const i = after.endpoints.findIndex((e) => e.path === path);
  if (i >= 0) return `/endpoints/${i}`;
  const j = before?.endpoints.findIndex((e) => e.path === path) ?? -1;
  return j >= 0 ? `/endpoints/${j}` : '';
}

function apiChanges(before: ServiceModel | null, after: ServiceModel): ChangeItem[] {
  const empty = { paths: {} };
  const changes = diffOpenApi(before ? buildOpenApi(before) : empty, buildOpenApi(after));
  return changes.map((c) => ({
    section: 'api',
    level: c.breaking ? 'breaking' : 'non-breaking',
    message: c.text,
    source: operationSource(c.operation, before, after),
  }));
}

function labels(items: readonly ChangeItem[], created: boolean, modelsChanged: boolean, local: readonly LocalChange[]): ChangeLabel[] {
  const out: ChangeLabel[] = [];
  if (items.some((i) => i.level === 'breaking')) out.push('api-breaking');
  // A new service name renames the chart, the Deployments and the image: a new release in effect.
  const renamed = items.some((i) => i.source === '/service/name');
  // A kept hand edit of the chart, image or pipeline changes the deploy as much as the config does.
  const deployEdit = local.some((l) => l.status !== 'kept' && isDeployPath(l.path));
  if (created || modelsChanged || renamed || deployEdit || items.some((i) => DEPLOY_SECTIONS.has(i.section))) out.push('deploy-impacting');
  return out;
}

/**
 * `local`: the local changes kept in generated files (see `localChanges`), shown to reviewers and
 * counted for the labels; none when the caller has no manifest to read.
 */
export function summarizeChanges(before: ServiceModel | null, after: ServiceModel, local: LocalChange[] = []): ChangeSummary {
  const created = before === null;
  const config = before
    ? [...modelChanges(before, after), ...endpointsChanges(before, after), ...settingsChanges(before, after)]
    : after.models.map((m, i): ChangeItem => ({ section: 'models', level: 'info', message: `model ${m.name} added (${showValue(m.source.uri)})`, source: `/models/${i}` }));
  const items = [...config, ...apiChanges(before, after)];
  const rank = (i: ChangeItem): number => SECTION_ORDER.indexOf(i.section) * 2 + (i.level === 'non-breaking' ? 1 : 0);
  // Stable sort: sections in a fixed order, breaking API changes first, otherwise discovery order.
  items.sort((x, y) => rank(x) - rank(y));
  // Adding or dropping a model changes the pods' memory and the image size, not only predictions.
  const names = (m: ServiceModel): string => JSON.stringify(m.models.map((x) => x.name).sort());
  const modelsChanged = before !== null && names(before) !== names(after);
  return { service: after.service.name, created, items, localChanges: local, labels: labels(items, created, modelsChanged, local) };
}
