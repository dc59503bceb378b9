/**
 * The generated `src/hooks.ts` (with the runtime's helpers it imports), compiled to JavaScript with
 * TypeScript's transpiler and loaded, so a test can call the default hooks as the service would
 * without compiling a whole project.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import type { OutputFile } from '../../src/emit/types.js';
import { buildRuntime } from '../../testkit/service-project.js';

export interface LoadedHooks {
  preprocess(input: unknown, ctx?: unknown): Array<Record<string, Float32Array | Float64Array>>;
  postprocess(outputs: Array<Record<string, ArrayLike<number>>>, input: unknown, ctx?: unknown): Record<string, unknown>;
}

export async function loadHooks(dir: string, files: OutputFile[]): Promise<Record<string, LoadedHooks>> {
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  // The helpers the hooks import (`@mlservice/runtime/hooks`) come from the runtime, built.
  await mkdir(join(dir, 'node_modules/@mlservice'), { recursive: true });
  await rm(join(dir, 'node_modules/@mlservice/runtime'), { force: true });
  await symlink(await buildRuntime(), join(dir, 'node_modules/@mlservice/runtime'), 'dir');
  const source = files.find((f) => f.path === 'src/hooks.ts')?.content ?? '';
  await mkdir(join(dir, 'src'), { recursive: true });
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  await writeFile(join(dir, 'src/hooks.js'), js);
  return ((await import(join(dir, 'src/hooks.js'))) as { hooks: Record<string, LoadedHooks> }).hooks;
}
