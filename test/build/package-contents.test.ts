/**
 * The generator package as npm publishes it (`npm pack`, after `npm run build`) holds only its own
 * code: runtime names and catalogues come through `@mlservice/runtime`'s package exports, so the
 * generator can never disagree with the runtime the user's service installed. A relative import
 * of `runtime/src` would make tsc compile a private copy into `dist/runtime/`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const REPO = new URL('../../', import.meta.url);

interface Packed {
  files: { path: string }[];
}

function packedFiles(): string[] {
  // `npm pack --dry-run` lists what `npm publish` would upload, with `files` and .npmignore applied.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const [pkg] = JSON.parse(r.stdout) as Packed[];
  return pkg!.files.map((f) => f.path);
}

/**
 * Module specifiers of static and dynamic imports in built JavaScript, as TypeScript's scanner
 * finds them (a pattern over the text also matched `from '...'` inside a doc comment).
 */
function specifiers(js: string): string[] {
  return ts.preProcessFile(js, true, true).importedFiles.map((f) => f.fileName);
}

describe('the published generator package (built by npm run build)', () => {
  const files = packedFiles();
  const built = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));

  test('ships dist/src and dist/generators only: no copy of runtime code', () => {
    expect(built.length).toBeGreaterThan(50);
    expect(files.filter((f) => f.startsWith('dist/') && !/^dist\/(src|generators)\//.test(f))).toEqual([]);
  });

  test('every relative import of the built code stays inside the package', () => {
    const escaping: string[] = [];
    for (const f of built) {
      const at = new URL(f, REPO);
      for (const s of specifiers(readFileSync(at, 'utf8'))) {
        if (!s.startsWith('.')) continue;
        const target = new URL(s, at).href.slice(REPO.href.length);
        if (!files.includes(target)) escaping.push(`${f} -> ${s}`);
      }
    }
    expect(escaping).toEqual([]);
  });

  test('it reaches the runtime only through subpaths @mlservice/runtime exports', () => {
    const runtime = JSON.parse(readFileSync(new URL('runtime/package.json', REPO), 'utf8')) as { exports: Record<string, unknown> };
    const used = new Set(built.flatMap((f) => specifiers(readFileSync(new URL(f, REPO), 'utf8'))).filter((s) => s.startsWith('@mlservice/runtime')));
    expect(used.size).toBeGreaterThan(0);
    for (const s of used) expect(Object.keys(runtime.exports), s).toContain(s.replace('@mlservice/runtime', '.'));
  });
});
