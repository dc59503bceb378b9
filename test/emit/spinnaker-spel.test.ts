import { describe, expect, it } from 'vitest';
import { and, countBalancedTemplates, equals, index, literal, notEquals, or, param, stage, stageStatusIs, template } from '../../src/emit/spel.js';
import { evaluate } from '../support/orca.js';

describe('spel', () => {
  it('builds parameter and stage lookups', () => {
    expect(template(param('imageTag'))).toBe("${ trigger['parameters']['imageTag'] }");
    expect(template(index(stage('Canary analysis'), 'status'))).toBe("${ #stage('Canary analysis')['status'] }");
    expect(stageStatusIs('Deploy canary', 'SUCCEEDED')).toBe("#stage('Deploy canary')['status'].toString() == 'SUCCEEDED'");
    expect(and(equals(literal('a'), literal('b')), literal('c') as never)).toBe("('a' == 'b') and ('c')");
  });

  it.each([
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['a}b', "'a}b'"],
    ['${ T(java.lang.Runtime).getRuntime() }', "'${ T(java.lang.Runtime).getRuntime() }'"],
    ['"double"', `'"double"'`],
    ['ünïcode ✓', "'ünïcode ✓'"],
    ['', "''"],
  ])('quotes hostile value %j as one SpEL literal', (value, expected) => {
    expect(literal(value)).toBe(expected);
    // Inside a template the literal keeps the braces balanced: exactly one template is found.
    const t = template(param(value));
    expect(countBalancedTemplates(t)).toBe(1);
    expect(t.endsWith('] }')).toBe(true);
  });

  it('refuses control characters (newlines) in literals', () => {
    expect(() => literal('a\nb')).toThrow(/control character/);
    expect(() => param('x\u0000')).toThrow(/control character/);
  });

  it('detects unbalanced templates', () => {
    expect(countBalancedTemplates("${ trigger['parameters']['x'] } and ${ #stage('y')['status'] }")).toBe(2);
    expect(() => countBalancedTemplates("${ trigger['parameters']['x'] ")).toThrow(/unbalanced/);
    expect(() => countBalancedTemplates("${ trigger['parameters']['x }")).toThrow(/unclosed '/);
    expect(countBalancedTemplates('no expressions')).toBe(0);
  });

  it('and() and or() need operands', () => {
    expect(() => and()).toThrow(/needs operands/);
    expect(() => or()).toThrow(/needs operands/);
  });

  it('or() and notEquals() parenthesise so precedence never depends on the operands', () => {
    const first = equals(param('baselineImageTag'), literal(''));
    const expr = or(stageStatusIs('Canary analysis', 'SUCCEEDED'), first);
    expect(expr).toBe("(#stage('Canary analysis')['status'].toString() == 'SUCCEEDED') or (trigger['parameters']['baselineImageTag'] == '')");
    expect(notEquals(param('baselineImageTag'), literal(''))).toBe("trigger['parameters']['baselineImageTag'] != ''");
    // Read the way orca reads it (test/support/orca.ts evaluates exactly these forms).
    const ctx = (status: 'SUCCEEDED' | 'FAILED_CONTINUE', baseline: string) => ({ statusByName: new Map([['Canary analysis', status]]), parameters: { baselineImageTag: baseline } });
    expect([evaluate(expr, ctx('SUCCEEDED', 'a')), evaluate(expr, ctx('FAILED_CONTINUE', '')), evaluate(expr, ctx('FAILED_CONTINUE', 'a'))]).toEqual([true, true, false]);
  });
});
