/**
 * Every exit code mlgen and mlgen-ci use comes from one table (`EXIT` in src/exit-codes.ts), and
 * docs/errors.md lists that table. The scan reads the TypeScript syntax of src/ and generators/
 * (not src/emit/: emitters hold the text of other programs) and refuses a bare number wherever an
 * exit code is made: `process.exit(n)`, `process.exitCode = n`, an `exitCode` property, parameter
 * or variable, a `DiagnosticError`-family or `CiError` constructor or `super(...)` argument, a
 * constant named like an exit code, or a `return n` of mlgen's (src/cli) or mlgen-ci's (src/ci)
 * commands.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_MEANINGS } from '../../src/exit-codes.js';
import { mlgen, tempProject } from '../support/cli.js';

const ROOTS = ['src', 'generators'];
const SKIP = /^src\/emit\/|^src\/exit-codes\.ts$/;
const ERROR_CLASSES = /^(DiagnosticError|ModelsError|SpinnakerError|CiError)$/;

function sources(): string[] {
  return ROOTS.flatMap((root) =>
    readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, f)),
  ).filter((f) => !SKIP.test(f));
}

/** Numbers an expression can evaluate to directly: itself, or the branches of `?:`, `??`, `||`. */
function numbers(n: ts.Node | undefined): ts.NumericLiteral[] {
  if (n === undefined) return [];
  if (ts.isNumericLiteral(n)) return [n];
  if (ts.isParenthesizedExpression(n)) return numbers(n.expression);
  if (ts.isConditionalExpression(n)) return [...numbers(n.whenTrue), ...numbers(n.whenFalse)];
  if (ts.isBinaryExpression(n) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(n.operatorToken.kind)) return [...numbers(n.left), ...numbers(n.right)];
  return [];
}
const named = (n: ts.Node) => (n as { name?: ts.Node }).name?.getText() ?? '';

/** `file:line: code` of every exit code written as a number. */
function bareExitCodes(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const report = (at: ts.Node) => (n: ts.Node) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${at.getText().slice(0, 80)}`);
  // The bins' command runners return exit codes: mlgen's (src/cli) and mlgen-ci's (src/ci).
  const inCli = file.startsWith(join('src', 'cli')) || file.startsWith(join('src', 'ci'));
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      const callee = n.expression.getText();
      if (callee === 'process.exit' || callee === 'super' || ERROR_CLASSES.test(callee)) (n.arguments ?? []).flatMap(numbers).forEach(report(n));
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /exitCode$/.test(n.left.getText())) {
      numbers(n.right).forEach(report(n));
    } else if ((ts.isPropertyAssignment(n) || ts.isParameter(n) || ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) && /^exit|exitCode$|^EXIT/i.test(named(n))) {
      numbers(n.initializer).forEach(report(n));
    } else if (inCli && ts.isReturnStatement(n)) {
      numbers(n.expression).forEach(report(n));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('exit codes', () => {
  it('every exit code in src/ and generators/ comes from the EXIT table, never a bare number', () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(60);
    expect(files.flatMap(bareExitCodes)).toEqual([]);
  });

  it('the scan finds a bare exit code where one is written (so it can fail)', () => {
    const probe = join(tempProject('mlgen-exit-scan-'), 'probe.ts');
    writeFileSync(probe, 'process.exit(3);\nprocess.exitCode = 4;\nthrow new DiagnosticError([], 5);\nconst EXIT_FOO = 6;\nprocess.exitCode = ok ? 0 : 7;\n');
    expect(bareExitCodes(probe).map((l) => l.replace(`${probe}:`, ''))).toEqual([
      '1: process.exit(3)',
      '2: process.exitCode = 4',
      '3: new DiagnosticError([], 5)',
      '4: EXIT_FOO = 6',
      '5: process.exitCode = ok ? 0 : 7',
      '5: process.exitCode = ok ? 0 : 7',
    ]);
  });

  it('docs/errors.md lists the table: code, name and meaning', () => {
    const docs = readFileSync('docs/errors.md', 'utf8');
    const rows = [...docs.matchAll(/^\| `(\d+)` \| `(\w+)` \| (.+?) \|$/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(rows).toEqual(Object.entries(EXIT).map(([name, code]) => [code, name, EXIT_MEANINGS[name as keyof typeof EXIT]]));
  });

  it('a usage error of the built CLI exits EXIT.usage', () => {
    const dir = tempProject();
    expect(mlgen(dir, ['models']).code).toBe(EXIT.usage);
    expect(mlgen(dir, ['no-such-command']).code).toBe(EXIT.usage);
  });
});
