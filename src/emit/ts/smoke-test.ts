import type { ServiceModel } from '../../config/model.js';
import { PATHS } from '../../../runtime/src/names.js';
import { tsLiteral } from './names.js';
import { TsFile } from './ts-file.js';

/**
 * `test/smoke.test.mjs` (node:test, no dependencies): starts the built service on a free port
 * against `models/`, waits for readiness, then posts each endpoint's first example and expects
 * a 200 with a JSON object. It runs before an image is built and as the canary's smoke check.
 */
export function smokeTestModule(model: ServiceModel): string {
  const file = new TsFile('test/smoke.test.mjs');
  const use = (name: string, from: string) => file.use(name, from);
  const [spawn, once, createServer, after, before, test, equal] = [
    use('spawn', 'node:child_process'),
    use('once', 'node:events'),
    use('createServer', 'node:net'),
    use('after', 'node:test'),
    use('before', 'node:test'),
    use('test', 'node:test'),
    use('equal', 'node:assert/strict'),
  ];
  const cases = model.endpoints
    .filter((e) => e.examples.length > 0)
    .map((e) => ({ path: e.path, example: e.examples[0] }));
  file.add(`const cases = ${tsLiteral(cases)};`);
  file.add(`/** A port nobody listens on right now. */
async function freePort() {
  const server = ${createServer}().listen(0, '127.0.0.1');
  await ${once}(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}`);
  file.add(`/** Polls readiness until it answers 200; fails fast if the service exits. */
async function waitReady(url, child) {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 600 && !exited; i++) {
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(exited ? 'the service exited before it was ready' : \`\${url} never answered 200\`);
}`);
  file.add(`let child;
let base;

${before}(async () => {
  const port = await freePort();
  base = \`http://127.0.0.1:\${port}\`;
  child = ${spawn}(process.execPath, ['dist/main.js'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(base + ${JSON.stringify(PATHS.ready)}, child);
});

${after}(async () => {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  await ${once}(child, 'exit');
});

for (const { path, example } of cases) {
  ${test}(\`POST \${path} answers its first example\`, async () => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(example),
    });
    const text = await res.text();
    ${equal}(res.status, 200, text);
    ${equal}(typeof JSON.parse(text), 'object');
  });
}`);
  return file.render();
}
