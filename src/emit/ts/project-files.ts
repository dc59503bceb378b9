import type { ServiceModel } from '../../config/model.js';
import { DiagnosticError } from '../../diagnostics.js';
import { GENERATED_MARKER } from '../types.js';
import { RUNTIME_PACKAGE } from './contract.js';
import { DEV_PACKAGES, NODE_ENGINE, RETIRED_DEPENDENCIES, RUNTIME_RANGE } from './versions.js';

type Json = Record<string, unknown>;

/** The `package.json` paths mlgen owns, with their values; every other path is the user's. */
export function ownedPackageFields(): Array<[path: string[], value: unknown]> {
  const deps: Record<string, string> = { [RUNTIME_PACKAGE]: RUNTIME_RANGE };
  return [
    [['type'], 'module'],
    [['engines', 'node'], NODE_ENGINE],
    [['scripts', 'build'], 'tsc -p tsconfig.json'],
    [['scripts', 'start'], 'node dist/main.js'],
    [['scripts', 'test'], 'npm run build && node --test test/smoke.test.mjs'],
    ...Object.entries(deps).map(([k, v]): [string[], unknown] => [['dependencies', k], v]),
    ...Object.entries(DEV_PACKAGES).map(([k, v]): [string[], unknown] => [['devDependencies', k], v]),
  ];
}

/** The first `package.json`: identity from the config, then the owned fields. */
export function initialPackageJson(model: ServiceModel): string {
  const pkg: Json = {
    name: model.service.name,
    version: model.service.version,
    description: model.service.description,
    private: true,
  };
  return serialize(applyOwned(pkg));
}

/**
 * Brings an existing `package.json` up to date: sets the owned paths in place (new keys go last,
 * dependency maps are sorted the way npm writes them) and keeps every other key and its order.
 */
export function updatePackageJson(existing: string): string {
  let pkg: unknown;
  try {
    pkg = JSON.parse(existing);
  } catch (err) {
    throw new DiagnosticError([
      {
        code: 'SYNC.PACKAGE_JSON_INVALID',
        severity: 'error',
        message: `package.json is not valid JSON (${(err as Error).message})`,
        fix: 'repair package.json, then run "mlgen sync" again',
        file: 'package.json',
        line: 0,
        col: 0,
      },
    ]);
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) pkg = {};
  return serialize(applyOwned(pkg as Json));
}

function applyOwned(pkg: Json): Json {
  for (const [path, value] of ownedPackageFields()) {
    let obj = pkg;
    for (const key of path.slice(0, -1)) {
      const next = obj[key];
      obj = obj[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Json) : {};
    }
    obj[path.at(-1)!] = value;
  }
  const deps = pkg.dependencies as Json;
  for (const [name, value] of Object.entries(RETIRED_DEPENDENCIES)) if (deps[name] === value) delete deps[name];
  for (const key of ['dependencies', 'devDependencies']) {
    if (pkg[key]) pkg[key] = Object.fromEntries(Object.entries(pkg[key] as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return pkg;
}

function serialize(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * `tsconfig.json`: the compiler settings come from `@mlservice/runtime/tsconfig.json` (strict
 * NodeNext, versioned with the runtime the code is compiled against); only the paths stay here,
 * since TypeScript resolves them relative to the file that sets them.
 * @see https://www.typescriptlang.org/tsconfig/#extends
 */
export function tsconfigJson(): string {
  // tsc reads tsconfig.json as JSON with comments, so this one can carry the marker.
  return `// ${GENERATED_MARKER}\n${serialize({
    extends: `${RUNTIME_PACKAGE}/tsconfig.json`,
    compilerOptions: { outDir: 'dist', rootDir: 'src' },
    include: ['src'],
  })}`;
}

const NPMRC_BEGIN = '# BEGIN mlgen';
const NPMRC_END = '# END mlgen';

/**
 * The managed block of `.npmrc`: onnxruntime-node's install script would try to download CUDA
 * libraries; the CPU binaries ship inside the npm package.
 */
export function npmrcBlock(): string {
  return [NPMRC_BEGIN, `# ${GENERATED_MARKER}`, 'onnxruntime-node-install=skip', NPMRC_END].join('\n');
}

/** Replaces the managed block of an existing `.npmrc`, or appends it; the user's lines stay. */
export function updateNpmrc(existing: string): string {
  const start = existing.indexOf(NPMRC_BEGIN);
  const end = existing.indexOf(NPMRC_END, start);
  if (start >= 0 && end > start) return existing.slice(0, start) + npmrcBlock() + existing.slice(end + NPMRC_END.length);
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  return `${existing}${sep}${npmrcBlock()}\n`;
}
