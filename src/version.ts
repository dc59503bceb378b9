import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let generator: { name: string; version: string } | undefined;

/**
 * Name and version of the running mlgen, read from the nearest package.json above this module
 * (works from `src/` under vitest and from `dist/src/` when installed), so releases never need a
 * hard-coded constant bumped.
 */
export function generatorInfo(): { name: string; version: string } {
  if (generator) return generator;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const text = tryRead(join(dir, 'package.json'));
    if (text !== undefined) {
      const pkg = JSON.parse(text) as { name?: string; version?: string };
      if (pkg.name && pkg.version) return (generator = { name: pkg.name, version: pkg.version });
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('internal: no package.json above the sync engine');
    dir = parent;
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
