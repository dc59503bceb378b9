/**
 * mlgen's own template files (`templates/` of the generator package). They are part of the
 * generator, not of the user's project: the same generator version always yields the same bytes,
 * so emitters that use them stay pure functions of the config. This is the only module the
 * emitters may reach that touches the disk (the dependency-cruiser rules keep `node:fs` out of
 * `src/emit/`). Read once per process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
