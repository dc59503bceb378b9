/**
 * Helm chart `chart/<service>/`: Chart.yaml, values.yaml and values.schema.json built from the
 * config, plus the Go templates of `templates/helm/` copied verbatim with only the chart name put
 * in for `<CHARTNAME>` (never through Handlebars).
 * The same chart renders the stable, canary and baseline tracks Spinnaker bakes (`--set track=`).
 * @see https://helm.sh/docs/topics/charts/
 */
import type { ServiceModel } from '../config/model.js';
import { toYaml } from './openapi-yaml.js';
import { valuesSchema } from './helm-schema.js';
import { helmTemplateNames } from '../templates.js';
import { chartTemplate, generatedFile } from './helm-templates.js';
import { valuesYaml } from './helm-values.js';
import { GENERATED_MARKER, type Emitter } from './types.js';

const EMITTER = 'helm';

export function chartDir(model: ServiceModel): string {
  return `chart/${model.service.name}`;
}

/** Helm turns control characters in Chart.yaml metadata into spaces; do it here so the file says what Helm shows. */
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ');

function chartYaml(model: ServiceModel): string {
  const chart = {
    apiVersion: 'v2',
    name: model.service.name,
    description: oneLine(model.service.description),
    type: 'application',
    version: model.service.version,
    appVersion: model.service.version,
    maintainers: [{ name: oneLine(model.service.owner) }],
  };
  return toYaml(chart, [GENERATED_MARKER]);
}

const SERVICE_INPUTS = ['/service/description', '/service/name', '/service/owner', '/service/version'];
const VALUES_INPUTS = ['/deploy/image', '/deploy/kubernetes', '/deploy/spinnaker/canary/replicas', '/models', '/server', '/service/name'];

export const emitHelm: Emitter = (model) => {
  const dir = chartDir(model);
  const file = (path: string, content: string, inputs: string[]) => generatedFile(EMITTER, `${dir}/${path}`, content, inputs);
  return [
    file('Chart.yaml', chartYaml(model), SERVICE_INPUTS),
    file('values.yaml', valuesYaml(model), VALUES_INPUTS),
    file('values.schema.json', `${JSON.stringify(valuesSchema(model), null, 2)}\n`, ['/deploy/kubernetes', '/models']),
    ...helmTemplateNames().map((name) => file(`templates/${name}`, chartTemplate(name, model.service.name), ['/service/name'])),
  ];
};
