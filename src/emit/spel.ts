/**
 * Builds Spinnaker pipeline expressions (SpEL) from typed parts, so no emitter writes `${` by hand.
 *
 * A `SpelExpr` is a bare SpEL expression (what `stageEnabled.expression` and `checkPreconditions`
 * want: orca wraps those in `${}` itself). `template()` wraps one for string fields that orca
 * evaluates as templates (stage context values such as bake `overrides`).
 *
 * Every user-supplied value enters an expression only as a SpEL string literal: single-quoted,
 * with `'` doubled (the SpEL escape). Spring's template parser skips quoted text when it looks for
 * the closing `}`, so a `}` inside a literal cannot end the template early.
 * @see https://docs.spring.io/spring-framework/reference/core/expressions/language-ref/literal.html
 * @see https://spinnaker.io/docs/reference/pipeline/expressions/
 */

declare const spelBrand: unique symbol;

/** A bare SpEL expression, only obtainable through this module. */
export type SpelExpr = string & { readonly [spelBrand]: true };

const mark = (text: string): SpelExpr => text as SpelExpr;

/** A SpEL string literal. Control characters are refused: they cannot be meant in a pipeline. */
export function literal(value: string): SpelExpr {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`internal: control character in SpEL literal ${JSON.stringify(value)}`);
  }
  return mark(`'${value.replaceAll("'", "''")}'`);
}

/** `trigger['parameters']['<name>']`: a pipeline parameter as the trigger delivered it. */
export function param(name: string): SpelExpr {
  return mark(`trigger['parameters'][${literal(name)}]`);
}

/** `#stage('<name>')`: the stage execution with that name (orca's StageExpressionFunctionProvider). */
export function stage(name: string): SpelExpr {
  return mark(`#stage(${literal(name)})`);
}

/** `<target>['<key>']`: property or map access by name. */
export function index(target: SpelExpr, key: string): SpelExpr {
  return mark(`${target}[${literal(key)}]`);
}

/** `#stage('<name>')['status'].toString() == '<status>'` (status is an enum, compare its name). */
export function stageStatusIs(stageName: string, status: 'SUCCEEDED' | 'FAILED_CONTINUE' | 'SKIPPED'): SpelExpr {
  return equals(mark(`${index(stage(stageName), 'status')}.toString()`), literal(status));
}

export function equals(left: SpelExpr, right: SpelExpr): SpelExpr {
  return mark(`${left} == ${right}`);
}

export function notEquals(left: SpelExpr, right: SpelExpr): SpelExpr {
  return mark(`${left} != ${right}`);
}

/** Conjunction; each operand is parenthesised so precedence never depends on the operands. */
export function and(...operands: SpelExpr[]): SpelExpr {
  if (operands.length === 0) throw new Error('internal: and() needs operands');
  return mark(operands.map((o) => `(${o})`).join(' and '));
}

/** Disjunction; operands parenthesised like `and`. */
export function or(...operands: SpelExpr[]): SpelExpr {
  if (operands.length === 0) throw new Error('internal: or() needs operands');
  return mark(operands.map((o) => `(${o})`).join(' or '));
}

/** `${ <expr> }`: a template orca evaluates inside a stage-context string. */
export function template(expr: SpelExpr): string {
  return '$' + `{ ${expr} }`;
}

/**
 * Orca evaluates every string of a stage context as a template, so config text placed outside a
 * literal must not contain `${` (it would run as SpEL). DNS-label names never do; this guards
 * against a bug or a hand-built model.
 */
export function assertNoTemplate(value: string, what: string): string {
  if (value.includes('$' + '{')) throw new Error(`internal: ${what} ${JSON.stringify(value)} would be evaluated as SpEL`);
  return value;
}

/**
 * Checks that every `${` in `text` has a matching `}` outside string literals and that quotes
 * are closed, the way Spring's TemplateAwareExpressionParser scans a template. Returns the
 * number of templates found; throws on an unbalanced one. Used by tests over whole pipelines.
 */
export function countBalancedTemplates(text: string): number {
  let count = 0;
  for (let i = text.indexOf('${'); i !== -1; i = text.indexOf('${', i)) {
    i = scanTemplateEnd(text, i + 2);
    count++;
  }
  return count;
}

function scanTemplateEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close === -1) throw new Error(`unclosed ${c} in SpEL at ${i}: ${text.slice(start - 2, start + 60)}`);
      i = close; // a doubled quote ('') is two adjacent literals to this scan: same result
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
    } else if (c === ']' || c === ')') {
      depth--;
    } else if (c === '}') {
      if (depth === 0) return i + 1;
      depth--;
    }
  }
  throw new Error(`unbalanced SpEL template at ${start - 2}: ${text.slice(start - 2, start + 60)}`);
}
