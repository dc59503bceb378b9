/**
 * A tiny npm registry on 127.0.0.1 serving tarballs made by `npm pack`, for packages that are not
 * published (`@mlservice/runtime`, `generator-mlservice`), and redirecting every other request to
 * the real registry. A generated project uses it the way teams use a company registry that hosts
 * private packages and proxies npmjs: one `registry=` line in the project's `.npmrc` (a user-owned
 * line; mlgen keeps it).
 *
 * It answers only what `npm install` and `npm ci` ask for: the packument (`GET /<name>`, the `/`
 * of a scoped name URL-encoded) and the tarball it names, with sha512 integrity. npm follows the
 * redirects, and verifies what it gets against the integrity in package-lock.json.
 * @see https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PackedPackage {
  /** `package.json` of the packed package (name, version, dependencies...). */
  manifest: { name: string; version: string } & Record<string, unknown>;
  tarball: string;
}

export interface LocalRegistry {
  url: string;
  /** Paths requested so far, to prove the build really fetched from here. */
  requests: string[];
  close: () => Promise<void>;
}

interface Entry {
  packument: string;
  tarballPath: string;
  bytes: Buffer;
}

async function entryFor(pkg: PackedPackage, url: string): Promise<Entry> {
  const bytes = await readFile(pkg.tarball);
  const { name, version } = pkg.manifest;
  const tarballPath = `/${name}/-/${name.split('/').pop()}-${version}.tgz`;
  const dist = {
    tarball: url + tarballPath,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
  };
  const packument = { name, 'dist-tags': { latest: version }, versions: { [version]: { ...pkg.manifest, dist } } };
  return { packument: JSON.stringify(packument), tarballPath, bytes };
}

/** `upstream`: where everything not in `packages` is redirected, e.g. `https://registry.npmjs.org/`. */
export async function startRegistry(packages: PackedPackage[], upstream: string): Promise<LocalRegistry> {
  const byName = new Map<string, Entry>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const entry = byName.get(path.slice(1));
    const tarball = [...byName.values()].find((e) => e.tarballPath === path);
    if (entry) res.writeHead(200, { 'content-type': 'application/json' }).end(entry.packument);
    else if (tarball) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball.bytes);
    else res.writeHead(302, { location: new URL((req.url ?? '/').slice(1), upstream).href }).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const pkg of packages) byName.set(pkg.manifest.name, await entryFor(pkg, url));
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}
