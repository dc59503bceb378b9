/**
 * Config-level changes by meaning: models, A/B splits, batching, server and deploy settings.
 * Lists are matched by name, so a reorder is not a change.
 */
import type { AbSpec, EndpointSpec, ServiceModel } from '../config/model.js';
import { describeLeaf, leafChanges, showValue } from './leaf-diff.js';
import type { ChangeItem, ChangeLevel, ChangeSection } from './types.js';

function item(section: ChangeSection, level: ChangeLevel, message: string, source: string): ChangeItem {
  return { section, level, message, source };
}

export function modelChanges(before: ServiceModel, after: ServiceModel): ChangeItem[] {
  const out: ChangeItem[] = [];
  const bIndex = new Map(before.models.map((m, i) => [m.name, i]));
  const aNames = new Set(after.models.map((m) => m.name));
  before.models.forEach((m, i) => {
    if (!aNames.has(m.name)) out.push(item('models', 'info', `model ${m.name} removed (was ${showValue(m.source.uri)})`, `/models/${i}`));
  });
  after.models.forEach((m, i) => {
    const bi = bIndex.get(m.name);
    if (bi === undefined) {
      out.push(item('models', 'info', `model ${m.name} added (${showValue(m.source.uri)})`, `/models/${i}`));
      return;
    }
    const b = before.models[bi]!;
    if (b.source.uri !== m.source.uri) {
      out.push(item('models', 'info', `model ${m.name} source ${showValue(b.source.uri)} -> ${showValue(m.source.uri)}`, `/models/${i}/source`));
    }
    if (JSON.stringify(b.outputs) !== JSON.stringify(m.outputs)) {
      out.push(item('models', 'info', `model ${m.name} outputs ${showValue(b.outputs)} -> ${showValue(m.outputs)}`, `/models/${i}/outputs`));
    }
  });
  return out;
}

function weights(b: AbSpec, a: AbSpec): string | undefined {
  const bw = new Map(b.variants.map((v) => [v.name, v.weight]));
  const moved = a.variants.filter((v) => bw.has(v.name) && bw.get(v.name) !== v.weight);
  if (moved.length === 0) return undefined;
  return `A/B weights ${moved.map((v) => `${v.name} ${bw.get(v.name)} -> ${v.weight}`).join(', ')}`;
}

function variantChanges(b: AbSpec, a: AbSpec, prefix: string, src: string): ChangeItem[] {
  const out: ChangeItem[] = [];
  const bv = new Map(b.variants.map((v) => [v.name, v]));
  const aNames = new Set(a.variants.map((v) => v.name));
  for (const v of b.variants) if (!aNames.has(v.name)) out.push(item('ab', 'info', `${prefix}A/B variant ${v.name} removed`, `${src}/variants`));
  a.variants.forEach((v, i) => {
    const old = bv.get(v.name);
    if (old === undefined) out.push(item('ab', 'info', `${prefix}A/B variant ${v.name} added (model ${v.model}, weight ${v.weight})`, `${src}/variants/${i}`));
    else if (old.model !== v.model) out.push(item('ab', 'info', `${prefix}A/B variant ${v.name} model ${old.model} -> ${v.model}`, `${src}/variants/${i}/model`));
  });
  const w = weights(b, a);
  if (w !== undefined) out.push(item('ab', 'info', `${prefix}${w}`, `${src}/variants`));
  return out;
}

function abChanges(b: AbSpec, a: AbSpec, prefix: string, src: string): ChangeItem[] {
  const out: ChangeItem[] = [];
  if (b.experiment !== a.experiment) out.push(item('ab', 'info', `${prefix}A/B experiment ${showValue(b.experiment)} -> ${showValue(a.experiment)}`, `${src}/experiment`));
  for (const key of ['salt', 'unit'] as const) {
    if (b[key] === a[key]) continue;
    const msg = `${prefix}A/B ${key} ${showValue(b[key])} -> ${showValue(a[key])}: reshuffles every user between variants`;
    out.push(item('ab', 'warning', msg, `${src}/${key}`));
  }
  out.push(...variantChanges(b, a, prefix, src));
  for (const key of ['missingUnit', 'overrideHeader'] as const) {
    if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    out.push(item('ab', 'info', `${prefix}A/B ${key} ${showValue(b[key])} -> ${showValue(a[key])}`, `${src}/${key}`));
  }
  return out;
}

function routing(e: EndpointSpec): string {
  return e.ab ? `A/B ${e.ab.variants.map((v) => `${v.name} ${v.weight}`).join('/')}` : `model ${e.model ?? ''}`;
}

function endpointChanges(b: EndpointSpec, a: EndpointSpec, i: number): ChangeItem[] {
  const prefix = `endpoint ${a.name}: `;
  const src = `/endpoints/${i}`;
  const out: ChangeItem[] = [];
  if (b.ab && a.ab) out.push(...abChanges(b.ab, a.ab, prefix, `${src}/ab`));
  else if (b.ab || a.ab || b.model !== a.model) {
    const section = b.ab || a.ab ? 'ab' : 'endpoints';
    out.push(item(section, 'info', `${prefix}${routing(b)} -> ${routing(a)}`, a.ab ? `${src}/ab` : `${src}/model`));
  }
  for (const c of leafChanges(b.batching, a.batching)) {
    out.push(item('batching', 'info', `${prefix}batching ${describeLeaf(c)}`, `${src}/batching${c.pointer}`));
  }
  return out;
}

/** Model routing and batching of endpoints present before and after (API changes are diffed elsewhere). */
export function endpointsChanges(before: ServiceModel, after: ServiceModel): ChangeItem[] {
  const bByName = new Map(before.endpoints.map((e) => [e.name, e]));
  return after.endpoints.flatMap((e, i) => {
    const b = bByName.get(e.name);
    return b === undefined ? [] : endpointChanges(b, e, i);
  });
}

/** `service.*` (except API-visible text), `server.*` and `deploy.*`, path by path. */
export function settingsChanges(before: ServiceModel, after: ServiceModel): ChangeItem[] {
  const roots = [
    ['service', 'service'],
    ['server', 'server'],
    ['deploy', 'deploy'],
  ] as const;
  return roots.flatMap(([key, section]) => leafChanges(before[key], after[key], key, `/${key}`).map((c) => item(section, 'info', describeLeaf(c), c.pointer)));
}
