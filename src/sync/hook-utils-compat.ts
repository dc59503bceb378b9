/**
 * Projects generated before the hook helpers moved into `@mlservice/runtime/hooks` have user code
 * (at least the scaffolded `src/hooks.ts`) importing `./generated/hook-utils.js`. Sync never
 * rewrites the user's files for that: while such an import exists, it keeps
 * `src/generated/hook-utils.ts` as a one-line re-export of the runtime's helpers and warns at each
 * import with the fix. Once no file imports it, the shim is no longer emitted and sync deletes it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { HOOK_HELPERS } from '../emit/ts/default-hooks.js';
import { TsFile } from '../emit/ts/ts-file.js';
import type { OutputFile } from '../emit/types.js';
import { SYNC_CODES } from './codes.js';

export const HOOK_UTILS_PATH = 'src/generated/hook-utils.ts';
const HELPERS = ['firstValue', 'outputValues', 'padded'];
const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
/** `from '...'`, `import '...'`, `import('...')`, `require('...')`: the module specifier. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** The shim: the runtime's helpers under the old path. */
export function hookUtilsShim(): string {
  const file = new TsFile(HOOK_UTILS_PATH);
  file.add(`// Kept while your code imports it: import from '${HOOK_HELPERS}' instead, then run mlgen sync.`);
  file.add(`export { ${HELPERS.join(', ')} } from '${HOOK_HELPERS}';`);
  return file.render();
}

/** Project-relative paths of the user's source files under `src/` (not `src/generated/`). */
async function userSources(root: string, dir = 'src'): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = posix.join(dir, e.name);
    if (e.isDirectory() && path !== 'src/generated' && e.name !== 'node_modules') out.push(...(await userSources(root, path)));
    else if (e.isFile() && SOURCE.test(e.name)) out.push(path);
  }
  return out;
}

function importsHookUtils(file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = posix.join(posix.dirname(file), specifier).replace(/\.(?:js|ts)$/, '');
  return target === HOOK_UTILS_PATH.replace(/\.ts$/, '');
}

function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  return { line: before.split('\n').length, col: index - before.lastIndexOf('\n') };
}

/** The shim to emit (none when nothing imports it) and a warning at each import. */
export async function hookUtilsCompat(root: string): Promise<{ files: OutputFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  for (const file of await userSources(root)) {
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      if (!importsHookUtils(file, m[2]!)) continue;
      diagnostics.push({
        code: SYNC_CODES.HOOK_UTILS_MOVED,
        severity: 'warning',
        message: `${file} imports ${m[2]}: the hook helpers now come from ${HOOK_HELPERS}; mlgen keeps ${HOOK_UTILS_PATH} as a re-export while any file imports it`,
        fix: `import { ${HELPERS.join(', ')} } from '${HOOK_HELPERS}' instead (same functions), then run "mlgen sync" to drop the re-export`,
        file,
        // At the string literal's opening quote, where tsc reports an unresolved module.
        ...lineCol(text, m.index! + m[0].length - m[2]!.length - 2),
      });
    }
  }
  if (diagnostics.length === 0) return { files: [], diagnostics };
  const shim: OutputFile = { path: HOOK_UTILS_PATH, content: hookUtilsShim(), owner: 'generated', emitter: 'typescript', inputs: [] };
  return { files: [shim], diagnostics };
}
