/**
 * The re-export sync keeps for user code that still imports `./generated/hook-utils.js` (written
 * by the mlgen before the helpers moved into `@mlservice/runtime/hooks`): emitted only while an
 * import exists, with a warning at each import. The upgrade of a real old project through the
 * built CLI is in test/cli/upgrade.test.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOK_UTILS_PATH, hookUtilsCompat, hookUtilsShim } from '../../src/sync/hook-utils-compat.js';
import { tempProject } from './helpers.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempProject();
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('hook-utils re-export for user code written before the helpers moved', () => {
  it("emits nothing when no user file imports it (a generated file that does is not the user's)", async () => {
    const dir = await project({
      'src/hooks.ts': "import { firstValue } from '@mlservice/runtime/hooks';\n",
      'src/generated/service.ts': "import { x } from './hook-utils.js';\n",
      'src/lib/hook-utils.ts': 'export {};\n',
      'src/a.ts': "import { y } from './lib/hook-utils.js';\n",
    });
    expect(await hookUtilsCompat(dir)).toEqual({ files: [], diagnostics: [] });
  });

  it('keeps the re-export, owned by mlgen, and warns at each import with the fix', async () => {
    const dir = await project({
      'src/hooks.ts': "// hooks\nimport type { Hooks } from './generated/hooks-contract.js';\nimport { firstValue, padded } from './generated/hook-utils.js';\n",
      'src/nested/rows.mts': "export * from '../generated/hook-utils';\n",
    });
    const { files, diagnostics } = await hookUtilsCompat(dir);
    expect(files).toEqual([{ path: HOOK_UTILS_PATH, content: hookUtilsShim(), owner: 'generated', emitter: 'typescript', inputs: [] }]);
    expect(diagnostics.map((d) => [d.code, d.severity, `${d.file}:${d.line}:${d.col}`])).toEqual([
      ['SYNC.HOOK_UTILS_MOVED', 'warning', 'src/hooks.ts:3:36'],
      ['SYNC.HOOK_UTILS_MOVED', 'warning', 'src/nested/rows.mts:1:15'],
    ]);
    expect(diagnostics[0]!.fix).toBe('import { firstValue, outputValues, padded } from \'@mlservice/runtime/hooks\' instead (same functions), then run "mlgen sync" to drop the re-export');
  });

  it('re-exports exactly the helpers the runtime exports', async () => {
    const helpers = await import('../../runtime/src/hooks.js');
    expect(hookUtilsShim()).toContain(`export { ${Object.keys(helpers).sort().join(', ')} } from '@mlservice/runtime/hooks';`);
  });
});
