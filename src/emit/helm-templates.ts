/**
 * Helpers the chart and Dockerfile emitters share: a Helm template of the generator package with
 * the chart name put in, and the `generated` output file record. Pure: the template text comes
 * from `src/templates.ts`, the generator's own files.
 */
import { readTemplate } from '../templates.js';
import type { OutputFile } from './types.js';

/** The placeholder `helm create` puts in its starter templates for the chart name. */
export const CHART_NAME_PLACEHOLDER = '<CHARTNAME>';

/**
 * A Helm template of `templates/helm/` for the chart `chartName`: the file byte for byte, except
 * that the chart name replaces `<CHARTNAME>`, the one substitution `helm create` makes itself
 * (helm pkg/chart/v2/util/create.go), so helper names are scoped to this chart and never collide
 * with another chart's in an umbrella chart. Everything else that varies lives in values.yaml.
 */
export function chartTemplate(name: string, chartName: string): string {
  return readTemplate(`helm/${name}`).replaceAll(CHART_NAME_PLACEHOLDER, chartName);
}

/** A `generated` output file; inputs sorted so the manifest is stable. */
export function generatedFile(emitter: string, path: string, content: string, inputs: readonly string[]): OutputFile {
  return { path, content, owner: 'generated', emitter, inputs: [...inputs].sort() };
}
