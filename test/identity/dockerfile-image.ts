/**
 * The labels and environment an image built from a Dockerfile carries, given the build args: the
 * final stage's `ARG` declarations (with their defaults), `LABEL` and `ENV key=value ...`, with `${NAME}` /
 * `$NAME` expanded and quotes and backslash escapes resolved as BuildKit does. Enough Dockerfile
 * for the files mlgen generates; anything else is an error rather than a guess.
 * @see https://docs.docker.com/reference/dockerfile/#label
 * @see https://docs.docker.com/reference/dockerfile/#environment-replacement
 * @see https://docs.docker.com/reference/dockerfile/#arg
 * @see https://docs.docker.com/reference/dockerfile/#env
 */

/** Instructions of the last stage: comment lines dropped, `\` continuations joined. */
function finalStage(dockerfile: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of dockerfile.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1);
      continue;
    }
    current += line;
    if (current.trim()) out.push(current.trim());
    current = '';
  }
  const from = out.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  if (from < 0) throw new Error('no FROM instruction');
  return out.slice(from + 1);
}

interface Word {
  text: string;
  /** Index in `text` of the first `=` outside quotes, or -1. */
  eq: number;
}

/** Splits on unquoted whitespace, resolving quotes, escapes and variables. */
function words(text: string, lookup: (name: string) => string): Word[] {
  const out: Word[] = [];
  let cur: Word | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!quote && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = undefined;
      continue;
    }
    cur ??= { text: '', eq: -1 };
    if (c === quote) quote = undefined;
    else if (!quote && (c === '"' || c === "'")) quote = c;
    else if (c === '\\' && quote !== "'" && i + 1 < text.length) cur.text += text[++i];
    else if (c === '$' && quote !== "'") {
      const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(text.slice(i));
      if (!m) throw new Error(`unsupported variable form at: ${text.slice(i, i + 20)}`);
      cur.text += lookup((m[1] ?? m[2])!);
      i += m[0].length - 1;
    } else {
      if (c === '=' && !quote && cur.eq < 0) cur.eq = cur.text.length;
      cur.text += c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  if (cur) out.push(cur);
  return out;
}

/** `key=value` pairs of one instruction's arguments. */
function pairs(args: string, lookup: (name: string) => string): Array<[string, string]> {
  return words(args, lookup).map((w) => {
    if (w.eq < 0) throw new Error(`not key=value: ${w.text}`);
    return [w.text.slice(0, w.eq), w.text.slice(w.eq + 1)];
  });
}

export interface ImageConfig {
  labels: Record<string, string>;
  /** The environment a container of the image starts with (`ENV`). */
  env: Record<string, string>;
}

/** Labels and environment of the final stage, values as the built image would have them. */
export function imageConfig(dockerfile: string, buildArgs: Record<string, string>): ImageConfig {
  const args = new Map<string, string>();
  const env = new Map<string, string>();
  // An ENV variable hides an ARG of the same name in later instructions.
  const lookup = (name: string): string => {
    const v = env.get(name) ?? args.get(name);
    if (v === undefined) throw new Error(`\${${name}} is neither an ARG nor an ENV of the final stage`);
    return v;
  };
  const labels: Record<string, string> = {};
  for (const line of finalStage(dockerfile)) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line)!;
    const kind = instruction!.toUpperCase();
    if (kind === 'ARG') {
      const [w] = words(rest!, lookup);
      const name = w!.eq < 0 ? w!.text : w!.text.slice(0, w!.eq);
      args.set(name, name in buildArgs ? buildArgs[name]! : w!.eq < 0 ? '' : w!.text.slice(w!.eq + 1));
    } else if (kind === 'LABEL') {
      for (const [k, v] of pairs(rest!, lookup)) labels[k] = v;
    } else if (kind === 'ENV') {
      for (const [k, v] of pairs(rest!, lookup)) env.set(k, v);
    }
  }
  return { labels, env: Object.fromEntries(env) };
}
