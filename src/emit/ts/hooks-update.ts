import { createRequire } from 'node:module';
import type { EndpointSpec } from '../../config/model.js';
import { endpointStub } from './default-hooks.js';
import { hookEntryNames } from './hooks-scan.js';

type TsMorph = typeof import('ts-morph');
let tsMorph: TsMorph | undefined;

/** ts-morph costs ~0.5 s to load; only a sync that has a stub to insert pays for it. */
function loadTsMorph(): TsMorph {
  tsMorph ??= createRequire(import.meta.url)('ts-morph') as TsMorph;
  return tsMorph;
}

/**
 * Inserts a typed stub into the `hooks` object for each endpoint it lacks, before the closing
 * brace, and changes no other byte (except a comma after the last entry when it had none).
 * ts-morph only locates the object; the edit is a text splice, so the user's formatting survives.
 * Returns `existing` unchanged when nothing is missing or no `hooks` object literal is found (then
 * `tsc` reports the missing entries against the contract).
 */
export function updateHooks(existing: string, endpoints: EndpointSpec[]): string {
  const known = hookEntryNames(existing);
  if (known && endpoints.every((e) => known.has(e.name))) return existing;
  const { Project, SyntaxKind, Node } = loadTsMorph();
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const source = project.createSourceFile('hooks.ts', existing);
  let init = source.getVariableDeclaration('hooks')?.getInitializer();
  while (init && (Node.isSatisfiesExpression(init) || Node.isAsExpression(init) || Node.isParenthesizedExpression(init))) init = init.getExpression();
  const obj = init?.asKind(SyntaxKind.ObjectLiteralExpression);
  if (!obj) return existing;
  const have = new Set(
    obj.getProperties().flatMap((p) => (Node.isPropertyAssignment(p) || Node.isMethodDeclaration(p) || Node.isShorthandPropertyAssignment(p) ? [p.getSymbol()?.getName() ?? ''] : [])),
  );
  const missing = endpoints.filter((e) => !have.has(e.name));
  if (!missing.length) return existing;
  const close = obj.getEnd() - 1;
  const lineStart = existing.lastIndexOf('\n', close - 1) + 1;
  const closeIndent = /^[ \t]*/.exec(existing.slice(lineStart))![0];
  const onOwnLine = existing.slice(lineStart, close).trim() === '';
  const indent = `${closeIndent}  `;
  const stubs = missing.map((e) => endpointStub(e, indent)).join('\n');
  const last = obj.getProperties().at(-1);
  const needsComma = last !== undefined && obj.getChildSyntaxList()?.getLastChild()?.getKind() !== SyntaxKind.CommaToken;
  const at = onOwnLine ? lineStart : close;
  const insert = onOwnLine ? `${stubs}\n` : `\n${stubs}\n${closeIndent}`;
  const head = needsComma ? `${existing.slice(0, last!.getEnd())},${existing.slice(last!.getEnd(), at)}` : existing.slice(0, at);
  return `${head}${insert}${existing.slice(at)}`;
}
