/**
 * A pipeline's bakeManifest stage run the way rosco runs it for HELM3, with a real Helm:
 * `helm template <outputName> <chart> --namespace <ns> --set-string <key>=<value>...` (rosco
 * HelmTemplateUtils; `rawOverrides: false` means `--set-string`). Override values are stage-context
 * strings that orca evaluates before the task runs; the only SpEL form the generator puts there is
 * `${ trigger['parameters']['<name>'] }`, evaluated here against the trigger's parameters.
 * Objects get the stage's namespace, as the deploy stage's `namespaceOverride` gives them.
 */
import { parseAllDocuments } from 'yaml';
import { helm, type HelmMajor } from './helm.js';

export type K8sObject = Record<string, any>; // rendered manifests are untyped YAML
export type Stage = Record<string, any>;

const PARAM_TEMPLATE = /\$\{ trigger\['parameters'\]\['((?:[^']|'')+)'\] \}/g;

/** Evaluates the parameter templates in `value`; an unknown parameter is an error (orca would leave it unevaluated and fail later). */
export function evaluateParams(value: string, params: Record<string, string>): string {
  return value.replace(PARAM_TEMPLATE, (_m, raw: string) => {
    const name = raw.replaceAll("''", "'");
    if (!(name in params)) throw new Error(`trigger has no parameter ${name}`);
    return params[name]!;
  });
}

/** The `--set-string` arguments of a bake stage for this trigger. */
export function bakeArgs(stage: Stage, params: Record<string, string>): string[] {
  if (stage.rawOverrides === true) throw new Error('rawOverrides (--set) is not modelled: the generator never emits it');
  return Object.entries(stage.overrides as Record<string, string>).flatMap(([k, v]) => ['--set-string', `${k}=${evaluateParams(v, params)}`]);
}

/** Renders `chart` as the bake stage would; throws with Helm's stderr when the bake fails. */
export function bake(chart: string, stage: Stage, params: Record<string, string>, major: HelmMajor = 3): K8sObject[] {
  const r = helm(major, ['template', stage.outputName, chart, '--namespace', stage.namespace, ...bakeArgs(stage, params)]);
  if (r.status !== 0) throw new Error(`bake ${stage.name} failed: ${r.stderr.trim()}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? stage.namespace } }));
}
