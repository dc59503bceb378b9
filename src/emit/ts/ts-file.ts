import { posix } from 'node:path';
import { GENERATED_MARKER } from '../types.js';

/**
 * A TypeScript file whose import lines nobody writes by hand: code asks for a symbol with `use()`
 * and gets back the local name to print; `render()` writes one sorted, deduplicated import
 * declaration per module (type-only ones separate), aliasing names that would clash.
 * @see https://github.com/bufbuild/protobuf-es/blob/main/packages/protoplugin/src/generated-file.ts (the idea)
 */
export class TsFile {
  /** module specifier -> imported name -> { local, typeOnly } */
  private readonly imports = new Map<string, Map<string, { local: string; typeOnly: boolean }>>();
  private readonly locals = new Set<string>();
  private readonly chunks: string[] = [];

  /**
   * @param path project-relative POSIX path of this file, used to make `src/...` imports relative.
   * @param header the first comment: the generated marker unless the file is the user's.
   */
  constructor(
    readonly path: string,
    private readonly header = `// ${GENERATED_MARKER}`,
  ) {}

  /** Reserves a name declared in this file, so imports never shadow it. */
  declare(name: string): string {
    if (this.locals.has(name)) throw new Error(`internal: ${this.path} declares ${name} twice`);
    this.locals.add(name);
    return name;
  }

  /**
   * Imports `name` from `from` (a package, or a project path such as `src/hooks.js`) and returns the
   * local name. Asking twice returns the same name; a value import wins over a type-only one.
   */
  use(name: string, from: string, opts: { typeOnly?: boolean } = {}): string {
    const spec = this.specifier(from);
    let names = this.imports.get(spec);
    if (!names) this.imports.set(spec, (names = new Map()));
    const known = names.get(name);
    if (known) {
      known.typeOnly &&= opts.typeOnly === true;
      return known.local;
    }
    let local = name;
    for (let n = 1; this.locals.has(local); n++) local = `${name}$${n}`;
    this.locals.add(local);
    names.set(name, { local, typeOnly: opts.typeOnly === true });
    return local;
  }

  /** Appends a chunk of code; chunks are separated by one blank line. */
  add(code: string): this {
    this.chunks.push(code.replace(/\n+$/, ''));
    return this;
  }

  render(): string {
    const imports = this.importLines();
    const parts = [this.header, ...(imports.length ? [imports.join('\n')] : []), ...this.chunks];
    return `${parts.join('\n\n')}\n`;
  }

  private specifier(from: string): string {
    if (!from.startsWith('src/')) return from;
    const rel = posix.relative(posix.dirname(this.path), from);
    return rel.startsWith('.') ? rel : `./${rel}`;
  }

  private importLines(): string[] {
    const specs = [...this.imports.keys()].sort(compareSpecifiers);
    return specs.flatMap((spec) => {
      const entries = [...this.imports.get(spec)!.entries()].sort(([a], [b]) => compare(a, b));
      const render = (typeOnly: boolean) => {
        const names = entries.filter(([, v]) => v.typeOnly === typeOnly);
        if (!names.length) return [];
        const list = names.map(([n, v]) => (n === v.local ? n : `${n} as ${v.local}`)).join(', ');
        return [`import ${typeOnly ? 'type ' : ''}{ ${list} } from '${spec}';`];
      };
      return [...render(true), ...render(false)];
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Packages first, then relative paths; each group in code-point order. */
function compareSpecifiers(a: string, b: string): number {
  const ra = a.startsWith('.') ? 1 : 0;
  const rb = b.startsWith('.') ? 1 : 0;
  return ra - rb || compare(a, b);
}
