/**
 * A delimited block that mlgen owns inside a file the user otherwise owns (`.gitattributes`,
 * `.gitignore`, ...), Kubebuilder-marker style. Pure text in, text out, so a `shared` OutputFile's
 * `update` can call it. Idempotent: applying it to its own output returns the same string.
 */
export interface BlockSpec {
  /** The first line of the block, e.g. `# BEGIN mlgen`; matched as a whole line. */
  begin: string;
  /** The last line of the block, e.g. `# END mlgen`. */
  end: string;
  /** The lines between the markers, without a trailing newline. */
  body: string;
}

export function renderBlock(spec: BlockSpec): string {
  return `${spec.begin}\n${spec.body}\n${spec.end}\n`;
}

/**
 * Replaces the first `begin`..`end` block in `text` with a fresh one, or appends one (after a blank
 * line) when there is none. Every line outside the block is kept byte for byte. Further complete
 * blocks (a bad merge) are removed; a `begin` without an `end` is dropped rather than letting the
 * block swallow the user's lines below it.
 */
export function upsertBlock(text: string, spec: BlockSpec): string {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const kept: string[] = [];
  let insertAt = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (isMarker(line, spec.begin)) {
      const close = lines.findIndex((l, j) => j > i && isMarker(l, spec.end));
      if (close === -1) continue; // dangling begin: drop the marker line only
      if (insertAt === -1) insertAt = kept.length;
      i = close;
      continue;
    }
    if (isMarker(line, spec.end)) continue; // stray end marker
    kept.push(line);
  }
  const block = renderBlock(spec).slice(0, -1).split('\n');
  if (insertAt === -1) {
    const body = kept.length === 0 || (kept.length === 1 && kept[0] === '') ? [] : kept;
    const gap = body.length > 0 && body[body.length - 1] !== '' ? [''] : [];
    return `${[...body, ...gap, ...block].join('\n')}\n`;
  }
  kept.splice(insertAt, 0, ...block);
  return `${kept.join('\n')}${trailingNewline || insertAt + block.length === kept.length ? '\n' : ''}`;
}

/** Markers match ignoring trailing whitespace and a CR (a file checked out with CRLF). */
function isMarker(line: string, marker: string): boolean {
  return line.replace(/\s+$/, '') === marker;
}
