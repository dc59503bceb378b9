/** What a semantic rule sees, plus helpers shared by the rule modules. */
import type { Diagnostic } from '../diagnostics.js';
import type { ConfigCode } from './codes.js';
import { configError } from './diag.js';
import { displayPath, locate } from './locate.js';
import type { RawConfig } from './raw.js';
import type { SourceContext } from './schema-errors.js';
import { didYouMean } from './suggest.js';

export interface RuleContext extends SourceContext {
  raw: RawConfig;
  /** True when no schema error lies at or below this JSON pointer. */
  clean(pointer: string): boolean;
  report(code: ConfigCode, at: (string | number)[], message: string, fix: string, where?: 'key' | 'value'): void;
}

export function makeRuleContext(src: SourceContext, raw: RawConfig, errorPointers: readonly string[], out: Diagnostic[]): RuleContext {
  return {
    ...src,
    raw,
    clean: (pointer) => !errorPointers.some((p) => p === pointer || p.startsWith(`${pointer}/`) || pointer.startsWith(`${p}/`)),
    report(code, at, message, fix, where = 'value') {
      out.push(configError(src.file, locate(src.doc, src.lines, at.map(String), where), code, message, fix));
    },
  };
}

/** Reports every repeat of a `name` in a list, pointing at the repeat and naming the first. */
export function uniqueNames(ctx: RuleContext, pointer: string, items: unknown, what: string): void {
  if (!ctx.clean(`/${pointer}`) || !Array.isArray(items)) return;
  const first = new Map<string, number>();
  (items as { name: string }[]).forEach((item, i) => {
    const seen = first.get(item.name);
    const path = pointer.split('/');
    if (seen === undefined) first.set(item.name, i);
    else {
      ctx.report(
        'CONFIG.DUPLICATE_NAME',
        [...path, i, 'name'],
        `${what} name ${JSON.stringify(item.name)} is used twice (${displayPath([...path, seen])} and ${displayPath([...path, i])})`,
        `rename one of the two ${what}s`,
      );
    }
  });
}

/** Names of the defined models, for reference checks. */
export function modelNames(ctx: RuleContext): string[] | undefined {
  return ctx.clean('/models') ? [...new Set(ctx.raw.models.map((m) => m.name))] : undefined;
}

export function checkModelRef(ctx: RuleContext, at: (string | number)[], name: string, names: string[]): void {
  if (!names.includes(name)) {
    ctx.report('CONFIG.UNKNOWN_MODEL', at, `${displayPath(at)} refers to model ${JSON.stringify(name)}, which "models" does not define`, didYouMean(name, names, 'defined models'));
  }
}
