/**
 * A typed client of a generated service, made the way its users make one: the real
 * openapi-typescript 7 CLI with default options on the project's `openapi.yaml` (its references
 * into @mlservice/runtime's document resolved from `node_modules`), and openapi-fetch, compiled by
 * `tsc --strict`. The client sends every documented example (as a literal, so the generated
 * request types are checked against it) and one request missing a required field (which the types
 * must refuse, `@ts-expect-error`), and prints what it got as JSON. Headers for every call (a
 * token, with `server.auth`) come from CLIENT_HEADERS at run time, never compiled in. The
 * operational routes are in the document the service serves, not in the committed file: a second
 * set of types is generated from the live service's /openapi.json, and the client calls /livez
 * through it.
 * @see https://openapi-ts.dev/openapi-fetch/
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServiceModel } from '../../src/config/model.js';
import { REPO } from '../../testkit/service-project.js';

const run = promisify(execFile);

export interface ClientCall {
  path: string;
  status: number;
  variant: string | null;
  data?: unknown;
  error?: unknown;
}

async function output(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function clientSource(model: ServiceModel): string {
  const calls = model.endpoints.flatMap((e) => {
    const sends = e.examples.map((body) => `  record('${e.path}', await client.POST('${e.path}', { body: ${JSON.stringify(body)} }));`);
    // The generated types must make required fields required; the service answers 400 either way.
    const refused = (e.input.required as string[] | undefined)?.length
      ? [`  // @ts-expect-error the body lacks the required fields\n  record('${e.path}', await client.POST('${e.path}', { body: {} }));`]
      : [];
    return [...sends, ...refused];
  });
  return `import createClient from 'openapi-fetch';
import type { paths } from './api.js';
import type { paths as servedPaths } from './served.js';

const headers = JSON.parse(process.env.CLIENT_HEADERS ?? '{}') as Record<string, string>;
const client = createClient<paths>({ baseUrl: process.env.BASE_URL!, headers });
const calls: unknown[] = [];
function record(path: string, r: { data?: unknown; error?: unknown; response: Response }): void {
  calls.push({ path, status: r.response.status, variant: r.response.headers.get('x-mlservice-variant'), data: r.data, error: r.error });
}
${calls.join('\n')}
// @ts-expect-error the committed file describes what mlservice.yaml decides; /livez is the runtime's
await client.GET('/livez');
const live = await createClient<servedPaths>({ baseUrl: process.env.BASE_URL! }).GET('/livez');
const status: 'ok' | 'ready' | undefined = live.data?.status;
calls.push({ path: '/livez', status: live.response.status, variant: null, data: { status } });
console.log(JSON.stringify(calls));
`;
}

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, noUncheckedIndexedAccess: true, outDir: 'out', rootDir: '.' },
  include: ['*.ts'],
};

/**
 * Writes `<dir>/client/` (openapi-typescript output for the committed file and for the document
 * served at `servedUrl`, client.ts, a strict tsconfig) and compiles it; `dir` must resolve
 * `openapi-fetch`, `@types/node` and `@mlservice/runtime` from its node_modules.
 */
export async function buildClient(dir: string, model: ServiceModel, servedUrl: string): Promise<{ generate: { code: number; output: string }; tsc: { code: number; output: string } }> {
  const client = join(dir, 'client');
  await mkdir(client, { recursive: true });
  await writeFile(join(client, 'package.json'), '{ "type": "module" }\n');
  const oats = join(REPO, 'node_modules/.bin/openapi-typescript');
  const committed = await output(oats, [join(dir, 'openapi.yaml'), '-o', join(client, 'api.d.ts')], dir);
  const served = await output(oats, [servedUrl, '-o', join(client, 'served.d.ts')], dir);
  const generate = { code: committed.code || served.code, output: committed.output + served.output };
  await writeFile(join(client, 'client.ts'), clientSource(model));
  await writeFile(join(client, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const tsc = await output(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(client, 'tsconfig.json'), '--pretty', 'false'], dir);
  return { generate, tsc };
}

/** Runs the compiled client against `base`, with `headers` on every call; what each call got. */
export async function runClient(dir: string, base: string, headers: Record<string, string> = {}): Promise<ClientCall[]> {
  const env = { ...process.env, BASE_URL: base, CLIENT_HEADERS: JSON.stringify(headers) };
  const { stdout } = await run(process.execPath, [join(dir, 'client/out/client.js')], { cwd: dir, env });
  return JSON.parse(stdout) as ClientCall[];
}
