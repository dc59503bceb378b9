import { createRequire } from 'node:module';
import type { Expression, ObjectExpression, Statement } from '@babel/types';

type BabelParser = typeof import('@babel/parser');
let babel: BabelParser | undefined;

/**
 * `require`, not `import`: importing this 1.9 MB CommonJS file from ESM makes Node scan its whole
 * source for export names first (~50-100 ms); `require` loads it in ~15 ms.
 */
function loadBabel(): BabelParser {
  babel ??= createRequire(import.meta.url)('@babel/parser') as BabelParser;
  return babel;
}

/**
 * The entry names of the top-level `hooks` object literal, read with Babel's parser (~30 ms)
 * instead of ts-morph (~0.4 s just to load TypeScript), so `mlgen check` and a sync that adds no
 * endpoint do not pay for ts-morph.
 *
 * Conservative by construction: returns only names ts-morph also finds (plain and quoted keys,
 * shorthands, methods) and `undefined` whenever it is unsure (a parse error, no single `hooks`
 * declaration, no object literal). Callers then ask ts-morph, which stays the one that edits.
 * @see https://babeljs.io/docs/babel-parser
 */
export function hookEntryNames(text: string): Set<string> | undefined {
  let body: Statement[];
  try {
    body = loadBabel().parse(text, { sourceType: 'module', plugins: ['typescript'] }).program.body;
  } catch {
    return undefined;
  }
  const declarations = body.flatMap(topLevelDeclarations);
  // ts-morph also matches a `hooks` inside a destructuring pattern: leave those files to it.
  if (declarations.some((d) => d.id.type !== 'Identifier')) return undefined;
  const named = declarations.filter((d) => d.id.type === 'Identifier' && d.id.name === 'hooks');
  if (named.length !== 1) return undefined;
  const obj = unwrap(named[0]!.init);
  return obj && new Set(obj.properties.flatMap(entryName));
}

function topLevelDeclarations(s: Statement) {
  const decl = s.type === 'ExportNamedDeclaration' ? s.declaration : s;
  return decl?.type === 'VariableDeclaration' ? decl.declarations : [];
}

/** `({...})`, `{...} satisfies T`, `{...} as T`: the same wrappers ts-morph looks through. */
function unwrap(e: Expression | null | undefined): ObjectExpression | undefined {
  while (e && (e.type === 'TSSatisfiesExpression' || e.type === 'TSAsExpression')) e = e.expression;
  return e?.type === 'ObjectExpression' ? e : undefined;
}

function entryName(p: ObjectExpression['properties'][number]): string[] {
  if (p.type === 'SpreadElement' || p.computed || (p.type === 'ObjectMethod' && p.kind !== 'method')) return [];
  if (p.key.type === 'Identifier') return [p.key.name];
  if (p.key.type === 'StringLiteral') return [p.key.value];
  return [];
}
