/**
 * mlgen's own template files (`templates/` of the generator package). They are part of the
 * generator, not of the user's project, so reading them keeps emitters pure: the same generator
 * version always yields the same bytes. Read once per process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputFile } from './types.js';

let root: string | undefined;

/** `templates/` of the generator package; found upward from this module (src/ or dist/src/). */
export function templatesRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'templates', 'helm'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('internal: templates/ of the generator package not found');
    dir = parent;
  }
  return (root = join(dir, 'templates'));
}

const cache = new Map<string, string>();

/** The text of `templates/<relPath>`, LF line endings as committed. */
export function readTemplate(relPath: string): string {
  let text = cache.get(relPath);
  if (text === undefined) {
    text = readFileSync(join(templatesRoot(), relPath), 'utf8');
    cache.set(relPath, text);
  }
  return text;
}

/** Helm templates (Go templates) to copy into `chart/<name>/templates/`, sorted. */
export function helmTemplateNames(): string[] {
  return readdirSync(join(templatesRoot(), 'helm')).sort();
}

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
