/**
 * A committed example (`examples/<name>/`) served for real, as a team runs it: a copy of the
 * project with the real ONNX models its hooks are written for (testkit/example-models.ts)
 * where `mlgen models pull` puts them, `node_modules` linked to exactly its generated dependencies
 * (the runtime from this process's private build) and compiled with its own strict `tsc`, ready
 * for `startServiceProcess` (test/support/live-service.ts).
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { mlgen } from './cli.js';
import { EXAMPLE_MODELS } from '../../testkit/example-models.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { linkDependencies, REPO, tsc } from '../../testkit/service-project.js';

/**
 * Copies `examples/<name>`, places its models and compiles it; returns the copy's directory.
 * `edit` changes the copy's mlservice.yaml first, and the built `mlgen sync` regenerates the copy
 * from it, as a team would after editing the file.
 */
export async function prepareExample(name: string, edit?: (config: Document) => void): Promise<string> {
  const src = join(REPO, 'examples', name);
  const dir = await mkdtemp(join(tmpdir(), `mlgen-example-${name}-`));
  await cp(src, dir, { recursive: true, filter: (p) => !/(^|[/\\])(node_modules|dist)([/\\]|$)/.test(relative(src, p)) });
  // examples/minimal commits its model; the others are pulled from a registry in real life.
  for (const [model, opts] of Object.entries(EXAMPLE_MODELS[name] ?? {})) {
    if (name !== 'minimal') await writeMlflowModelDir(join(dir, 'models', model), buildMlp(opts), { runId: `run-${model}` });
  }
  if (edit) {
    const config = parseDocument(await readFile(join(dir, 'mlservice.yaml'), 'utf8'));
    edit(config);
    await writeFile(join(dir, 'mlservice.yaml'), config.toString());
    const synced = mlgen(dir, ['sync']);
    if (synced.code !== 0) throw new Error(`mlgen sync of the edited examples/${name} failed:\n${synced.stdout}${synced.stderr}`);
  }
  await linkDependencies(dir);
  const compiled = await tsc(dir, true);
  if (compiled.code !== 0) throw new Error(`examples/${name} does not compile:\n${compiled.output}`);
  return dir;
}
