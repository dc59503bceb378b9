/**
 * Differences in the constraints on one schema node's own value (type, enum, bounds, pattern),
 * each stated as whether the set of accepted values narrows, widens, or both.
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6
 */
export type Schema = Record<string, unknown>;

/** Field paths are quoted as JSON strings, so odd property names cannot break a summary line. */
export function quote(field: string): string {
  return JSON.stringify(field);
}

export interface ValueChange {
  narrows: boolean;
  widens: boolean;
  text: string;
}

/** Keywords that cap a value from above (lowering one narrows) and from below (raising one narrows). */
const UPPER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
const LOWER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

function types(s: Schema): string[] | undefined {
  if (typeof s.type === 'string') return [s.type];
  return Array.isArray(s.type) ? (s.type as string[]) : undefined;
}

/** Whether a value of type `t` is accepted by a schema allowing `allowed` (undefined = any type). */
function accepts(allowed: string[] | undefined, t: string): boolean {
  return allowed === undefined || allowed.includes(t) || (t === 'integer' && allowed.includes('number'));
}

function typeChange(b: Schema, a: Schema, field: string): ValueChange[] {
  const bt = types(b);
  const at = types(a);
  if (JSON.stringify(bt) === JSON.stringify(at)) return [];
  const narrows = bt === undefined ? at !== undefined : bt.some((t) => !accepts(at, t));
  const widens = at === undefined ? bt !== undefined : at.some((t) => !accepts(bt, t));
  if (!narrows && !widens) return [];
  const label = (t: string[] | undefined): string => (t === undefined ? '(any)' : t.join('|'));
  return [{ narrows, widens, text: `${quote(field)} type ${label(bt)} -> ${label(at)}` }];
}

/** `const: x` is an enum of one value. */
function allowedValues(s: Schema): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum as unknown[];
  return 'const' in s ? [s.const] : undefined;
}

function enumChange(b: Schema, a: Schema, field: string): ValueChange[] {
  const be = allowedValues(b);
  const ae = allowedValues(a);
  if (be === undefined && ae === undefined) return [];
  if (be === undefined) return [{ narrows: true, widens: false, text: `${quote(field)} now limited to ${ae!.map(show).join(', ')}` }];
  if (ae === undefined) return [{ narrows: false, widens: true, text: `${quote(field)} no longer limited to a list of values` }];
  const bs = new Set(be.map((v) => JSON.stringify(v)));
  const as = new Set(ae.map((v) => JSON.stringify(v)));
  const removed = [...bs].filter((v) => !as.has(v));
  const added = [...as].filter((v) => !bs.has(v));
  if (removed.length === 0 && added.length === 0) return [];
  const parts = [...(removed.length ? [`removed ${removed.join(', ')}`] : []), ...(added.length ? [`added ${added.join(', ')}`] : [])];
  const verb = removed.length && added.length ? 'changed' : removed.length ? 'narrowed' : 'widened';
  return [{ narrows: removed.length > 0, widens: added.length > 0, text: `${quote(field)} enum ${verb}: ${parts.join('; ')}` }];
}

function boundChanges(b: Schema, a: Schema, field: string): ValueChange[] {
  const out: ValueChange[] = [];
  const compare = (key: string, upper: boolean): void => {
    const bv = b[key] as number | undefined;
    const av = a[key] as number | undefined;
    if (bv === av) return;
    // A bound that appears narrows; one that disappears widens.
    const tighter = av !== undefined && (bv === undefined || (upper ? av < bv : av > bv));
    out.push({ narrows: tighter, widens: !tighter, text: `${quote(field)} ${key} ${show(bv)} -> ${show(av)}` });
  };
  for (const key of UPPER) compare(key, true);
  for (const key of LOWER) compare(key, false);
  return out;
}

/** `pattern` and `format`: adding one narrows, dropping one widens, replacing one may do both. */
function stringRuleChanges(b: Schema, a: Schema, field: string): ValueChange[] {
  const out: ValueChange[] = [];
  for (const key of ['pattern', 'format'] as const) {
    const bv = b[key];
    const av = a[key];
    if (bv === av) continue;
    out.push({ narrows: av !== undefined, widens: bv !== undefined, text: `${quote(field)} ${key} ${show(bv)} -> ${show(av)}` });
  }
  if (Boolean(b.uniqueItems) !== Boolean(a.uniqueItems)) {
    const now = Boolean(a.uniqueItems);
    out.push({ narrows: now, widens: !now, text: `${quote(field)} uniqueItems ${Boolean(b.uniqueItems)} -> ${now}` });
  }
  return out;
}

export function valueChanges(b: Schema, a: Schema, field: string): ValueChange[] {
  return [...typeChange(b, a, field), ...enumChange(b, a, field), ...boundChanges(b, a, field), ...stringRuleChanges(b, a, field)];
}
