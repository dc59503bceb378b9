import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError, EXIT } from '../../src/diagnostics.js';
import { emitAll } from '../../src/emit/index.js';
import { parseConfigText } from '../../src/config/index.js';
import { syncProject } from '../../src/sync/index.js';
import { AB_YAML, MINIMAL_YAML } from '../../testkit/fixtures.js';
import { hashes, read, snapshotTree, tempProject } from './helpers.js';

describe('syncProject: mlservice.yaml through every registered emitter', () => {
  it('writes the project, then a second sync writes nothing and check passes', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'mlservice.yaml'), MINIMAL_YAML);
    const first = await syncProject(root);
    expect(first.exitCode).toBe(EXIT.ok);
    const emitted = emitAll(parseConfigText(MINIMAL_YAML, 'mlservice.yaml')).map((f) => f.path);
    expect(first.written.sort()).toEqual([...emitted, '.mlgen/.gitignore', '.mlgen/manifest.json'].sort());
    expect(await read(root, '.gitattributes')).toContain('# BEGIN mlgen\n');
    const manifest = JSON.parse(await read(root, '.mlgen/manifest.json'));
    expect(Object.keys(manifest.files).sort()).toEqual([...emitted, '.mlgen/.gitignore'].sort());

    const tree = await snapshotTree(root);
    const second = await syncProject(root);
    expect(second.written).toEqual([]);
    expect(await snapshotTree(root)).toEqual(tree);
    expect((await syncProject(root, { check: true })).exitCode).toBe(EXIT.ok);
  });

  it('a config change is drift for check, then sync moves the tree to the new config', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'mlservice.yaml'), MINIMAL_YAML);
    await syncProject(root);
    await writeFile(join(root, 'mlservice.yaml'), AB_YAML);
    const before = hashes(await snapshotTree(root));
    expect((await syncProject(root, { check: true })).exitCode).toBe(EXIT.drift);
    expect(hashes(await snapshotTree(root))).toEqual(before);
    const r = await syncProject(root);
    expect(r.exitCode).toBe(EXIT.ok);
    // Every generated file now equals a fresh sync of the new config and stale ones are gone;
    // user-owned files (scaffold, shared) made from the old config are left as they were.
    const fresh = await tempProject();
    await writeFile(join(fresh, 'mlservice.yaml'), AB_YAML);
    await syncProject(fresh);
    const files = JSON.parse(await read(fresh, '.mlgen/manifest.json')).files as Record<string, { owner: string }>;
    const userOwned = Object.keys(files).filter((p) => files[p]?.owner !== 'generated');
    expect(userOwned.length).toBeGreaterThan(0);
    const strip = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([p]) => !userOwned.includes(p)));
    expect(strip(hashes(await snapshotTree(root)))).toEqual(strip(hashes(await snapshotTree(fresh))));
    expect(await read(root, '.mlgen/manifest.json')).toBe(await read(fresh, '.mlgen/manifest.json'));
  });

  it('an invalid config throws the loader diagnostics (exit 65) and writes nothing', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'mlservice.yaml'), 'apiVersion: mlservice/v1\nservice: {name: "Bad Name"}\n');
    const err = await syncProject(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).exitCode).toBe(EXIT.invalidConfig);
    expect(Object.keys(await snapshotTree(root))).toEqual(['mlservice.yaml']);
    expect(await readFile(join(root, 'mlservice.yaml'), 'utf8')).toContain('Bad Name');
  });
});
