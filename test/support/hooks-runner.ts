/**
 * The generated `src/hooks.ts` (and the helpers it imports), compiled to JavaScript with
 * TypeScript's transpiler and loaded, so a test can call the default hooks as the service would
 * without compiling a whole project.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import type { OutputFile } from '../../src/emit/types.js';

export interface LoadedHooks {
  preprocess(input: unknown, ctx?: unknown): Array<Record<string, Float32Array | Float64Array>>;
  postprocess(outputs: Array<Record<string, ArrayLike<number>>>, input: unknown, ctx?: unknown): Record<string, unknown>;
}

export async function loadHooks(dir: string, files: OutputFile[]): Promise<Record<string, LoadedHooks>> {
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  for (const path of ['src/hooks.ts', 'src/generated/hook-utils.ts']) {
    const source = files.find((f) => f.path === path)?.content ?? '';
    await mkdir(join(dir, path, '..'), { recursive: true });
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await writeFile(join(dir, path.replace(/\.ts$/, '.js')), js);
  }
  return ((await import(join(dir, 'src/hooks.js'))) as { hooks: Record<string, LoadedHooks> }).hooks;
}
